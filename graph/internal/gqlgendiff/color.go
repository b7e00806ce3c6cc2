package gqlgendiff

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/allframe-go/allframe/app"
)

// MarshalColor is gqlgen's marshaler of Color (gqlgen binds function
// marshalers before methods). A value outside the enum becomes null, which
// gqlgen reports as a field error in non-null positions ("cannot return null
// for non-null …") and bubbles; the item of colors planted by bad (see the
// package documentation) takes this path. In a nullable position gqlgen
// writes the null without an error, where the specification requires a
// field error (result coercion of an enum, §3.9): NullableItemBad shows it.
func MarshalColor(c Color) graphql.Marshaler {
	if !slices.Contains(colors, c) {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) })
}

// UnmarshalColor is gqlgen's unmarshaler of Color.
func UnmarshalColor(v any) (Color, error) {
	s, ok := v.(string)
	if !ok || !slices.Contains(colors, Color(s)) {
		return "", fmt.Errorf("%v is not a valid Color", v)
	}
	return Color(s), nil
}

// checkColor is the check the field resolvers of Shape.color and
// Shape.alt make: a value outside the enum is a field error with the
// message of package graph's executor.
func checkColor(_ context.Context, c Color) error {
	if !slices.Contains(colors, c) {
		return app.NewError(app.CodeInternal, "Enum Color cannot represent value "+strconv.Quote(string(c)))
	}
	return nil
}
