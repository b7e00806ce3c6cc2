package sqlite_test

import (
	"net/url"
	"testing"

	"github.com/allframe-go/allframe/cqrs/sqlite"
)

func TestURLPathAndDurability(t *testing.T) {
	tests := []struct {
		give     string
		wantPath string
		wantD    sqlite.Durability
	}{
		{give: "sqlite:bank.db", wantPath: "bank.db"},
		{give: "sqlite:data/bank.db", wantPath: "data/bank.db"},
		{give: "sqlite:./bank.db", wantPath: "./bank.db"},
		{give: "sqlite:/var/lib/bank/events.db", wantPath: "/var/lib/bank/events.db"},
		{give: "sqlite:///var/lib/bank/events.db", wantPath: "/var/lib/bank/events.db"},
		{give: "sqlite:b.db?durability=normal", wantPath: "b.db", wantD: sqlite.DurabilityNormal},
		{give: "sqlite:/b.db?durability=normal", wantPath: "/b.db", wantD: sqlite.DurabilityNormal},
		{give: "sqlite:b.db?durability=full", wantPath: "b.db", wantD: sqlite.DurabilityFull},
		{give: "sqlite:a%20b.db", wantPath: "a b.db"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.give)
		if err != nil {
			t.Fatal(err)
		}
		path, d, err := sqlite.ParseURL(u)
		if err != nil || path != tt.wantPath || d != tt.wantD {
			t.Errorf("ParseURL(%q) = %q, %v, %v; want %q, %v", tt.give, path, d, err, tt.wantPath, tt.wantD)
		}
	}
}
