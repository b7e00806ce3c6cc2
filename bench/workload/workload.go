// Package workload defines the handlers every server of the benchmark
// serves, once: the framework registers them in an App (NewApp) and each
// baseline calls the same functions from its own routing, decoding,
// validation and encoding, so the servers differ only in what the
// benchmark compares.
//
// The REST and gRPC workloads are hello (a path parameter), createUser (a
// JSON body of five validated fields), items (a list of 100 nested
// objects) and ticks (a server stream of 1,000 messages). The GraphQL
// workloads use the same hello and items through package gqlgenbench,
// whose App and gqlgen server share this package's catalogue.
package workload

import (
	"context"
	"strconv"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/bench/gqlgenbench"
)

// HelloIn is the input of hello.
type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64"`
}

// HelloOut is the output of hello.
type HelloOut struct {
	Message string `json:"message"`
}

// Hello greets in.Name.
func Hello(_ context.Context, in HelloIn) (HelloOut, error) {
	return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
}

// CreateUserIn is the validated JSON body of createUser: five fields,
// each with a validate tag.
type CreateUserIn struct {
	Name    string `json:"name" validate:"required,min=2,max=64"`
	Email   string `json:"email" validate:"required,email"`
	Age     int    `json:"age" validate:"gte=18,lte=130"`
	Country string `json:"country" validate:"required,len=2,alpha"`
	Plan    string `json:"plan" validate:"required,oneof=free pro team"`
}

// User is the output of createUser.
type User struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Age     int    `json:"age"`
	Country string `json:"country"`
	Plan    string `json:"plan"`
}

// CreateUser returns the user in describes, with an id.
func CreateUser(_ context.Context, in CreateUserIn) (User, error) {
	return User{ID: "u-" + strconv.Itoa(len(in.Name)+in.Age), Name: in.Name, Email: in.Email, Age: in.Age, Country: in.Country, Plan: in.Plan}, nil
}

// The items of the catalogue are gqlgenbench's, so that every protocol
// returns the same 100 objects.
type (
	// ItemsIn is the input of items.
	ItemsIn = gqlgenbench.ItemsIn
	// ItemsOut is the output of items.
	ItemsOut = gqlgenbench.ItemsOut
	// Item is one catalogue item.
	Item = gqlgenbench.Item
	// Owner owns an item.
	Owner = gqlgenbench.Owner
)

// Items returns the first in.Count items of the catalogue.
func Items(ctx context.Context, in ItemsIn) (ItemsOut, error) { return gqlgenbench.Items(ctx, in) }

// TicksIn is the input of ticks.
type TicksIn struct {
	Count int `json:"count" validate:"min=0,max=100000"`
}

// Tick is one message of ticks.
type Tick struct {
	Seq   int    `json:"seq"`
	Label string `json:"label"`
}

// labels are the pre-built labels of the ticks, so that the stream
// measures the transport and not strconv.
var labels = func() []string {
	l := make([]string, 1000)
	for i := range l {
		l[i] = "tick-" + strconv.Itoa(i)
	}
	return l
}()

// Ticks sends in.Count ticks.
func Ticks(_ context.Context, in TicksIn, send func(Tick) error) error {
	for i := range in.Count {
		if err := send(Tick{Seq: i, Label: labels[i%len(labels)]}); err != nil {
			return err
		}
	}
	return nil
}

// NewApp returns the App every framework server serves: hello, createUser,
// items and ticks over REST and gRPC, hello and items over GraphQL.
func NewApp() *app.App {
	a := app.New(app.Name("bench"))
	app.Query(a, "hello", Hello, app.HTTP("GET", "/hello/{name}"))
	app.Command(a, "createUser", CreateUser, app.HTTP("POST", "/users"))
	app.Query(a, "items", Items, app.HTTP("GET", "/items"))
	app.Stream(a, "ticks", Ticks)
	return a
}
