// Package schemadiff compares two versions of a service's exported schemas
// — OpenAPI documents, GraphQL SDL and .proto files — and classifies every
// change as breaking for existing clients or safe.
//
// Each format is loaded with the library its ecosystem uses (kin-openapi,
// gqlparser, protocompile), so the comparison is over resolved models,
// never over text.
package schemadiff
