package app_test

import (
	"context"
	"fmt"

	"github.com/allframe-go/allframe/app"
)

type GreetIn struct {
	Name string `json:"name" validate:"required,max=8"`
}

type GreetOut struct {
	Message string `json:"message"`
}

// A handler is registered once and can be called in process with the same
// validation and middleware every transport uses.
func ExampleInvoke() {
	a := app.New(app.Name("greeter"))
	app.Query(a, "greet", func(_ context.Context, in GreetIn) (GreetOut, error) {
		return GreetOut{Message: "Hello, " + in.Name + "!"}, nil
	})

	out, err := app.Invoke[GreetIn, GreetOut](context.Background(), a, "greet", GreetIn{Name: "Ada"})
	fmt.Println(out.Message, err)

	_, err = app.Invoke[GreetIn, GreetOut](context.Background(), a, "greet", GreetIn{Name: "Bartholomew"})
	e := app.ErrorFrom(err)
	fmt.Println(e.Code, e.Violations[0].Field, e.Violations[0].Description)

	js, _ := a.InvokeJSON(context.Background(), "greet", []byte(`{"name":"Grace"}`))
	fmt.Println(string(js))
	// Output:
	// Hello, Ada! <nil>
	// invalid_argument name must be at most 8 characters
	// {"message":"Hello, Grace!"}
}

// Middleware sees every call on every protocol through the neutral Call.
func ExampleUse() {
	auth := func(next app.Handler) app.Handler {
		return func(ctx context.Context, c *app.Call) (any, error) {
			if c.Metadata.Get("Authorization") == "" {
				return nil, app.NewError(app.CodeUnauthenticated, "missing credentials")
			}
			return next(ctx, c)
		}
	}
	a := app.New(app.Name("greeter"), app.Use(auth))
	app.Query(a, "greet", func(_ context.Context, in GreetIn) (GreetOut, error) {
		return GreetOut{Message: "Hello, " + in.Name + "!"}, nil
	})
	_, err := app.Invoke[GreetIn, GreetOut](context.Background(), a, "greet", GreetIn{Name: "Ada"})
	fmt.Println(app.CodeOf(err))
	md := app.MapMetadata{}
	md.Set("Authorization", "Bearer x")
	out, _ := app.Invoke[GreetIn, GreetOut](context.Background(), a, "greet", GreetIn{Name: "Ada"}, app.WithMetadata(md))
	fmt.Println(out.Message)
	// Output:
	// unauthenticated
	// Hello, Ada!
}
