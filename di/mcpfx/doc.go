// Package mcpfx provides the fx module of AllFrame's MCP transport
// (transport/mcp): the App's operations as MCP tools over streamable HTTP
// at /mcp on the HTTP host that di/httpfx provides, switched on by the
// ALLFRAME_MCP environment variable. It imports the MCP transport and di
// only, so a service that does not wire it links no MCP code.
package mcpfx
