// Package gqlgendiff holds the reference of package graph's differential
// test: one small service registered in an App (NewApp), whose schema
// package graph derives and executes at runtime, and a gqlgen-generated
// server for the same schema (NewServer) whose resolvers call the same
// operations through app.Invoke, so both compute the same data from the
// same arguments.
//
// The data are deterministic functions of the arguments, and designated
// arguments make values fail: seed 13 makes shapes fail (a resolver error),
// and bad = n puts an enum value outside the enum into the shape with id n
// (color, which is non-null: the error bubbles to the nearest nullable
// position), n+1 (alt, nullable: null in place) and n+2 (an item of the
// non-null-item list colors). Package graph's executor reports such a value
// as a field error; the gqlgen server does too, through the field resolvers
// of color and alt and the Color marshaler (see MarshalColor). bad =
// NullableItemBad puts such a value into an item of the nullable-item list
// maybe of every shape, where gqlgen writes null without an error (see
// MarshalColor): the test keeps that case apart.
//
// schema.graphqls is the SDL package graph derives from NewApp; the
// differential test checks they are equal. Regenerate the gqlgen server
// with:
//
//	cd graph/internal/gqlgendiff && go run github.com/99designs/gqlgen@v0.17.98 generate
package gqlgendiff
