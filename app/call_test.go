package app_test

import (
	"testing"

	"github.com/allframe-go/allframe/app"
)

func TestProtocolString(t *testing.T) {
	tests := []struct {
		give app.Protocol
		want string
	}{
		{give: app.ProtocolInProcess, want: "inprocess"},
		{give: app.ProtocolHTTP, want: "http"},
		{give: app.ProtocolGRPC, want: "grpc"},
		{give: app.ProtocolGraphQL, want: "graphql"},
		{give: app.Protocol("mcp"), want: "mcp"},
		{give: "", want: "unknown"},
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("Protocol(%q).String() = %q; want %q", string(tt.give), got, tt.want)
		}
	}
}
