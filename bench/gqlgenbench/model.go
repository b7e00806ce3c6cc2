// Package gqlgenbench holds the GraphQL benchmark service in
// two forms: registered in an AllFrame App (NewApp) and served by a
// gqlgen-generated server for the same schema (NewServer), so both can be
// measured through the same HTTP path in one run.
//
// schema.graphqls is the SDL that package graph derives from NewApp; a test
// in this package checks they are equal. Regenerate the gqlgen server
// with:
//
//	cd bench/gqlgenbench && go run github.com/99designs/gqlgen@v0.17.98 generate
//
// generated.go is gqlgen's output; schema.resolvers.go is rewritten too but keeps
// the resolver bodies, which call the same functions as the App's handlers.
package gqlgenbench

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/allframe-go/allframe/app"
)

// HelloIn is the input of hello.
type HelloIn struct {
	Name string `json:"name" validate:"required,max=64" doc:"Who to greet"`
}

// HelloOut is the output of hello.
type HelloOut struct {
	Message string `json:"message" doc:"The greeting"`
}

// ItemsIn is the input of items.
type ItemsIn struct {
	Count int `json:"count" validate:"min=0,max=100" doc:"How many items to return"`
}

// ItemsOut is the output of items.
type ItemsOut struct {
	Items []Item `json:"items"`
}

// Item is one catalogue item.
type Item struct {
	ID      int      `json:"id"`
	Name    string   `json:"name"`
	Price   float64  `json:"price"`
	InStock bool     `json:"inStock"`
	Tags    []string `json:"tags"`
	Owner   Owner    `json:"owner"`
}

// Owner owns an item.
type Owner struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// catalogue is the data both servers return.
var catalogue = func() []Item {
	items := make([]Item, 100)
	for i := range items {
		items[i] = Item{
			ID:      i + 1,
			Name:    fmt.Sprintf("Item number %d", i+1),
			Price:   float64(i)*1.25 + 0.99,
			InStock: i%3 != 0,
			Tags:    []string{"tools", "garden"},
			Owner:   Owner{ID: i%7 + 1, Name: fmt.Sprintf("Owner %d", i%7+1), Email: fmt.Sprintf("owner%d@example.com", i%7+1)},
		}
	}
	return items
}()

// Hello greets name.
func Hello(_ context.Context, in HelloIn) (HelloOut, error) {
	return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
}

// Items returns the first in.Count items of the catalogue.
func Items(_ context.Context, in ItemsIn) (ItemsOut, error) {
	return ItemsOut{Items: catalogue[:min(max(in.Count, 0), len(catalogue))]}, nil
}

// NewApp returns the App serving hello and items.
func NewApp(opts ...app.Option) *app.App {
	a := app.New(append([]app.Option{app.Name("bench")}, opts...)...)
	app.Query(a, "hello", Hello, app.Describe("Greets someone"))
	app.Query(a, "items", Items, app.Describe("Lists catalogue items"))
	return a
}

// validHello performs the checks the App's validation does for hello, so
// the gqlgen resolver does equivalent work.
func validHello(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return fmt.Errorf("invalid name")
	}
	return nil
}
