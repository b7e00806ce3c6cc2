// Package graphqlfx provides the fx module of AllFrame's GraphQL transport
// (transport/graphql), mounted at /graphql and /schema.graphql on the HTTP
// host that di/httpfx provides. It imports the GraphQL transport and di
// only.
package graphqlfx
