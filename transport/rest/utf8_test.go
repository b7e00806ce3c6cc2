package rest

import "testing"

func TestInvalidUTF8Field(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "{\"owner\":\"\xff\xfe\xc3\x28\"}", want: "owner"},
		{give: "{\"a\":1,\"b\":{\"c\":[\"ok\",\"\xff\"]}}", want: "b.c[1]"},
		{give: "{\"a\":[{\"x\":1},{\"y\":\"\xc3\x28\"}]}", want: "a[1].y"},
		{give: "{\"ok\":\"fine\",\"k\xff\":1}", want: "k\ufffd"},
		{give: "\"\xff\"", want: "body"},
		{give: "[1,2,\"\xff\"]", want: "[2]"},
	}
	for _, tt := range tests {
		if got := invalidUTF8Field([]byte(tt.give)); got != tt.want {
			t.Errorf("invalidUTF8Field(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
