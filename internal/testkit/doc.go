// Package testkit is the parent of AllFrame's test kits — testenv (tools
// and services a test needs, polling helpers), grpcjson (a gRPC client
// speaking JSON through reflection) and jaegertest (a real Jaeger) — kept
// apart from the production code under internal/ (jsonenc, jsonschema).
// Only tests import these packages.
package testkit
