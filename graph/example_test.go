package graph_test

import (
	"context"
	"fmt"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
)

func ExampleNew() {
	type GreetIn struct {
		Name string `json:"name" validate:"required"`
	}
	type GreetOut struct {
		Message string `json:"message"`
	}
	a := app.New()
	app.Query(a, "greet", func(_ context.Context, in GreetIn) (GreetOut, error) {
		return GreetOut{Message: "Hi, " + in.Name}, nil
	}, app.Describe("Greets someone"))

	s, err := graph.New(a)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.SDL())
	// Output:
	// type Query {
	//   "Greets someone"
	//   greet(name: String!): GreetOut
	// }
	//
	// type GreetOut {
	//   message: String!
	// }
}
