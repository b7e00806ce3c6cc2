package grpc

import (
	"context"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

func TestNames(t *testing.T) {
	tests := []struct {
		give        string
		wantPackage string
		wantService string
	}{
		{give: "hello", wantPackage: "hello.v1", wantService: "HelloService"},
		{give: "user-service", wantPackage: "user_service.v1", wantService: "UserService"},
		{give: "OrderBook", wantPackage: "order_book.v1", wantService: "OrderBookService"},
		{give: "3d printer", wantPackage: "x3d_printer.v1", wantService: "X3dPrinterService"},
		{give: "", wantPackage: "app.v1", wantService: "AppService"},
	}
	for _, tt := range tests {
		if got := ProtoPackage(tt.give); got != tt.wantPackage {
			t.Errorf("ProtoPackage(%q) = %q, want %q", tt.give, got, tt.wantPackage)
		}
		if got := ServiceName(tt.give); got != tt.wantService {
			t.Errorf("ServiceName(%q) = %q, want %q", tt.give, got, tt.wantService)
		}
	}
}

func TestProtocNames(t *testing.T) {
	tests := []struct {
		give      string
		wantEntry string
		wantJSON  string
	}{
		{give: "labels", wantEntry: "LabelsEntry", wantJSON: "labels"},
		{give: "foo_bar", wantEntry: "FooBarEntry", wantJSON: "fooBar"},
		{give: "x1st", wantEntry: "X1stEntry", wantJSON: "x1st"},
		{give: "user_id_5059", wantEntry: "UserId5059Entry", wantJSON: "userId5059"},
	}
	for _, tt := range tests {
		if got := mapEntryName(tt.give); got != tt.wantEntry {
			t.Errorf("mapEntryName(%q) = %q, want %q", tt.give, got, tt.wantEntry)
		}
		if got := jsonName(tt.give); got != tt.wantJSON {
			t.Errorf("jsonName(%q) = %q, want %q", tt.give, got, tt.wantJSON)
		}
	}
}

type listOfMaps struct {
	Rows []map[string]int `json:"rows"`
}

type mapOfListPointers struct {
	Groups map[string]*[]int `json:"groups"`
}

type Emptyish string

func (Emptyish) EnumValues() []string { return []string{"a", ""} }

type withEmptyEnum struct {
	E Emptyish `json:"e"`
}

// HelloRequest clashes with the request message of operation hello.
type HelloRequest struct {
	X int `json:"x"`
}

type wrapsClash struct {
	Inner HelloRequest `json:"inner"`
}

type plain struct {
	Name string `json:"name"`
}

func TestPrepareRejectsWhatProtobufCannotRepresent(t *testing.T) {
	tests := []struct {
		name string
		give func(a *app.App)
		want string
	}{
		{
			name: "list of maps",
			give: func(a *app.App) {
				app.Query(a, "rows", func(context.Context, listOfMaps) (plain, error) { return plain{}, nil })
			},
			want: "grpc: operation rows: grpc.listOfMaps field Rows: []map[string]int: protobuf has no list of lists or maps; wrap the element in a struct",
		},
		{
			name: "map of list pointers",
			give: func(a *app.App) {
				app.Query(a, "groups", func(context.Context, mapOfListPointers) (plain, error) { return plain{}, nil })
			},
			want: "grpc: operation groups: grpc.mapOfListPointers field Groups: map[string]*[]int: protobuf map values cannot be lists or maps; wrap the value in a struct",
		},
		{
			name: "empty enum value",
			give: func(a *app.App) {
				app.Query(a, "enum", func(context.Context, withEmptyEnum) (plain, error) { return plain{}, nil })
			},
			want: "grpc: enum Emptyish (grpc.Emptyish): the empty string cannot be a value; it is the unspecified value 0",
		},
		{
			name: "message name clash",
			give: func(a *app.App) {
				app.Query(a, "hello", func(context.Context, plain) (plain, error) { return plain{}, nil })
				app.Query(a, "wrap", func(context.Context, wrapsClash) (plain, error) { return plain{}, nil })
			},
			want: "grpc: operation wrap: grpc.wrapsClash field Inner: protobuf name clash.v1.HelloRequest is used by both the request of operation hello and Go type grpc.HelloRequest; rename one of them",
		},
		{
			name: "no operations",
			give: func(*app.App) {},
			want: `grpc: app "clash" has no operations to serve`,
		},
	}
	for _, tt := range tests {
		a := app.New(app.Name("clash"))
		tt.give(a)
		err := New().Prepare(a)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Prepare = %v\nwant %s", tt.name, err, tt.want)
		}
		if _, err := ProtoFile(a); err == nil {
			t.Errorf("%s: ProtoFile succeeded", tt.name)
		}
	}
}

func TestDescriptorsStayPrivate(t *testing.T) {
	a := app.New(app.Name("private check"))
	app.Query(a, "get", func(context.Context, plain) (plain, error) { return plain{}, nil })
	tr := New()
	if err := tr.Prepare(a); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tr.Stop(context.Background()) }()
	if _, err := protoregistry.GlobalFiles.FindDescriptorByName("private_check.v1.PrivateCheckService"); err == nil {
		t.Error("the service's descriptors were registered in the global registry")
	}
	// The resolver reflection uses finds them, and the global well-known types.
	r := chainResolver{local: new(protoregistry.Files)}
	if err := r.local.RegisterFile(tr.schema.file); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"private_check.v1.PrivateCheckService", "private_check.v1.GetRequest", "google.protobuf.Timestamp"} {
		if _, err := r.FindDescriptorByName(protoreflectName(name)); err != nil {
			t.Errorf("resolve %s: %v", name, err)
		}
	}
	// Preparing twice for the same app is a no-op; for another app, an error.
	if err := tr.Prepare(a); err != nil {
		t.Errorf("second Prepare: %v", err)
	}
	if err := tr.Prepare(app.New()); err == nil || !strings.Contains(err.Error(), "another app") {
		t.Errorf("Prepare for another app = %v", err)
	}
}

func TestFieldNamesStayUniqueTheWayProtocCompares(t *testing.T) {
	used := map[string]bool{}
	var got []string
	for i, name := range []string{"userID", "userId", "user_id", "UserID", "x-y", "x_y"} {
		got = append(got, fieldName(&app.Field{Name: name, Number: i + 1}, used))
	}
	want := []string{"user_id", "user_id_2", "user_id_3", "user_id_4", "x_y", "x_y_6"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Error(diff)
	}
}

func protoreflectName(s string) protoreflect.FullName { return protoreflect.FullName(s) }
