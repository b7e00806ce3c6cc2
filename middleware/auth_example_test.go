package middleware_test

import (
	"context"
	"fmt"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

type BalanceIn struct {
	Account string `json:"account"`
}

type BalanceOut struct {
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
}

// Auth is installed once and each operation declares who may call it;
// every transport then answers the same way.
func ExampleAuth() {
	jwks, err := middleware.NewJWKS("https://issuer.example/.well-known/jwks.json")
	if err != nil {
		panic(err)
	}
	keys, err := middleware.NewAPIKeys(map[string]middleware.Identity{
		"k-ci": {Subject: "ci", Scopes: []string{"accounts:read"}},
	})
	if err != nil {
		panic(err)
	}
	a := app.New(app.Name("accounts"), middleware.Auth(middleware.Authenticated(),
		middleware.NewJWT(jwks, middleware.WithIssuer("https://issuer.example/"), middleware.WithAudience("accounts")),
		keys))
	balance := func(ctx context.Context, _ BalanceIn) (BalanceOut, error) {
		return BalanceOut{Owner: middleware.IdentityFrom(ctx).Subject}, nil
	}
	app.Query(a, "health", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil }, middleware.Public())
	app.Query(a, "balance", balance) // the default: any authenticated caller
	app.Command(a, "withdraw", balance, middleware.RequireScopes("accounts:write"))

	ctx := context.Background()
	md := app.MapMetadata{}
	md.Set("X-API-Key", "k-ci")
	out, err := app.Invoke[BalanceIn, BalanceOut](ctx, a, "balance", BalanceIn{}, app.WithMetadata(md))
	fmt.Println(out.Owner, err)
	_, err = app.Invoke[BalanceIn, BalanceOut](ctx, a, "withdraw", BalanceIn{}, app.WithMetadata(md))
	fmt.Println(err)
	md.Set("X-API-Key", "k-guess")
	_, err = app.Invoke[BalanceIn, BalanceOut](ctx, a, "balance", BalanceIn{}, app.WithMetadata(md))
	fmt.Println(err)
	// Output:
	// ci <nil>
	// permission_denied: operation withdraw requires scope accounts:write
	// unauthenticated: invalid API key
}
