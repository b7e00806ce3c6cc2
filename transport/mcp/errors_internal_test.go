package mcp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
)

// TestToolErrorEveryCode maps every code: each is a tool error (isError)
// whose text is the error document naming the code, with no structured
// content.
func TestToolErrorEveryCode(t *testing.T) {
	for _, code := range app.Codes() {
		if code == app.CodeOK {
			continue
		}
		res := toolError(app.NewError(code, "msg"))
		got := decodeBody(t, res)
		if want := (ErrorBody{Code: code.String(), Message: "msg"}); !cmp.Equal(got, want) || !res.IsError || res.StructuredContent != nil {
			t.Errorf("%v: got %+v (isError %v), want %+v", code, got, res.IsError, want)
		}
	}
}

func TestToolError(t *testing.T) {
	tests := []struct {
		name string
		give error
		want ErrorBody
	}{
		{name: "uncoded error hides its cause", give: errors.New("db password is hunter2"),
			want: ErrorBody{Code: "internal", Message: "internal error"}},
		{name: "violations and details",
			give: app.InvalidArgument("invalid amount", app.FieldViolation{Field: "amount", Description: "must be > 0"}).WithDetail("max", 10),
			want: ErrorBody{Code: "invalid_argument", Message: "invalid amount",
				Violations: []app.FieldViolation{{Field: "amount", Description: "must be > 0"}}, Details: map[string]any{"max": float64(10)}}},
		{name: "a detail that does not encode is dropped",
			give: app.NewError(app.CodeAborted, "conflict").WithDetail("f", func() {}),
			want: ErrorBody{Code: "aborted", Message: "conflict"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := toolError(tt.give)
			if diff := cmp.Diff(decodeBody(t, res), tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			if strings.Contains(res.Content[0].(*sdk.TextContent).Text, "hunter2") {
				t.Error("the cause leaked")
			}
		})
	}
}

func decodeBody(t *testing.T, res *sdk.CallToolResult) ErrorBody {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal([]byte(res.Content[0].(*sdk.TextContent).Text), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeArguments(t *testing.T) {
	type in struct {
		N int    `json:"n"`
		S string `json:"s"`
	}
	tests := []struct {
		give      string
		wantField string // "" for no violation
		wantErr   bool
	}{
		{give: ``},
		{give: `null`},
		{give: `{"n":1,"s":"x","unknown":true}`},
		{give: `{"n":"one"}`, wantErr: true, wantField: "n"},
		{give: `{"n":1e40}`, wantErr: true, wantField: "n"},
		{give: `[1]`, wantErr: true, wantField: "arguments"},
		{give: "{\"s\":\"\xff\"}", wantErr: true, wantField: "arguments"},
	}
	for _, tt := range tests {
		err := decodeArguments(json.RawMessage(tt.give), new(in))
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.give, err, tt.wantErr)
			continue
		}
		if err == nil {
			continue
		}
		e := app.ErrorFrom(err)
		field := ""
		if len(e.Violations) > 0 {
			field = e.Violations[0].Field
		}
		if e.Code != app.CodeInvalidArgument || field != tt.wantField {
			t.Errorf("%q: %v (field %q), want invalid_argument on %q", tt.give, err, field, tt.wantField)
		}
	}
}
