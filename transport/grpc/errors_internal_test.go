package grpc

import (
	"testing"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/grpc/codes"
)

// TestAppCodeInvertsCode checks that appCode undoes Code for every neutral
// code and maps codes outside the canonical set to unknown.
func TestAppCodeInvertsCode(t *testing.T) {
	for _, c := range app.Codes() {
		if got := appCode(Code(c)); got != c {
			t.Errorf("appCode(Code(%v)) = %v, want %v", c, got, c)
		}
	}
	tests := []struct {
		give codes.Code
		want app.Code
	}{
		{give: codes.Unauthenticated + 1, want: app.CodeUnknown},
		{give: 256 + codes.InvalidArgument, want: app.CodeUnknown},
	}
	for _, tt := range tests {
		if got := appCode(tt.give); got != tt.want {
			t.Errorf("appCode(%d) = %v, want %v", tt.give, got, tt.want)
		}
	}
}
