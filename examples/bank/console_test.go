package main

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestConsole runs the bank with ALLFRAME_CONSOLE=on and no tracing
// configured: a deposit over REST shows as a trace and in the metrics, the
// account's stream travels back in time, the read model and the transfer
// saga are listed, the idempotency record of the deposit too.
func TestConsole(t *testing.T) {
	t.Setenv("ALLFRAME_CONSOLE", "on")
	t.Setenv("ALLFRAME_ADMIN_TOKEN", "")
	s := start(t, "memory:")
	acc := s.restOpen(t, "Ada")
	if r := s.restMove(t, "deposit", acc.ID, 5, "Idempotency-Key", "console-1"); r.account.Balance != 5 {
		t.Fatalf("deposit: %s", r.raw)
	}
	get := func(path string, v any) {
		t.Helper()
		code, _, b := s.rest(t, "GET", "/_console/api/"+path, "")
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, b)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var traces struct {
		Traces []struct{ Operation, Protocol, Status string }
	}
	get("traces?operation=deposit", &traces)
	if len(traces.Traces) != 1 || traces.Traces[0].Protocol != "rest" || traces.Traces[0].Status != "ok" {
		t.Errorf("traces = %+v", traces)
	}
	var st struct {
		Aggregate string
		Version   int64
		State     struct{ Balance int64 }
	}
	get(fmt.Sprintf("streams/account-%s?version=1", acc.ID), &st)
	if st.Aggregate != "account" || st.Version != 1 || st.State.Balance != 0 {
		t.Errorf("account at version 1 = %+v", st)
	}
	get("streams/account-"+acc.ID, &st)
	if st.Version != 2 || st.State.Balance != 5 {
		t.Errorf("account = %+v", st)
	}
	var ps struct{ Projections []struct{ Name, Kind string } }
	get("projections", &ps)
	kinds := map[string]string{}
	for _, p := range ps.Projections {
		kinds[p.Name] = p.Kind
	}
	if kinds["accounts"] != "readmodel" || kinds["saga-transfer"] != "saga" {
		t.Errorf("projections = %+v", ps)
	}
	var idem struct{ Records []struct{ Scope, Key string } }
	get("idempotency", &idem)
	if len(idem.Records) != 1 || idem.Records[0].Key != "console-1" {
		t.Errorf("idempotency = %+v", idem)
	}
	// The operation span ends before the response is written.
	var m struct {
		Series []struct{ Operation, Protocol string }
	}
	get("metrics", &m)
	ops := map[string]string{}
	for _, se := range m.Series {
		ops[se.Operation] = se.Protocol
	}
	if ops["openAccount"] != "rest" || ops["deposit"] != "rest" {
		t.Errorf("metrics = %+v", m)
	}
}
