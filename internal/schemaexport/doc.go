// Package schemaexport is the schema export hook: when ALLFRAME_SCHEMA_EXPORT
// names a directory, a service writes the schemas of its mounted transports
// there (openapi.json, schema.graphql, service.proto) and exits before it
// listens, so CI can export schemas without starting servers. di.NewApp and
// allframe.Run call it.
//
// It imports no transport: each transport that has a schema implements
// Exporter, and Export asks the transports it is given. A service that
// mounts only REST exports only openapi.json, and links nothing more.
package schemaexport
