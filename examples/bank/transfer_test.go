package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs/saga"
)

// xfer is a transfer's status over any protocol, reduced to what the
// tests compare.
type xfer struct {
	Err                   app.Code `json:"-"` // of the call; app.CodeOK on success
	ID, State, Step, Code string
}

func restStatus(t testing.TB, code int, body []byte) xfer {
	t.Helper()
	if code != http.StatusOK {
		return xfer{Err: restReply(t, code, body).code}
	}
	var st saga.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("REST status %s: %v", body, err)
	}
	return xfer{ID: st.ID, State: st.State, Step: st.Step, Code: st.Code}
}

func grpcStatus(t testing.TB, s *server, method, input string) xfer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	out, err := s.grpc.Call(ctx, "bank.v1.BankService/"+method, input)
	if err != nil {
		return xfer{Err: grpcReply(t, "", err).code}
	}
	var st xfer
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("gRPC status %s: %v", out, err)
	}
	return st
}

func gqlStatus(t testing.TB, s *server, field, query string, vars map[string]any) xfer {
	t.Helper()
	code, body := s.graphql(t, query, vars)
	var resp struct {
		Data   map[string]*xfer `json:"data"`
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || code != http.StatusOK {
		t.Fatalf("GraphQL %d %s: %v", code, body, err)
	}
	if len(resp.Errors) > 0 {
		return xfer{Err: codeNamed(t, resp.Errors[0].Extensions.Code)}
	}
	if resp.Data[field] == nil {
		t.Fatalf("GraphQL %s: no data: %s", field, body)
	}
	return *resp.Data[field]
}

const statusFields = `{ id state step code }`

// transfer starts a transfer over each protocol.
func (s *server) transfer(t testing.TB, from, to string, amount int64) protocols3 {
	return protocols3{
		rest: func() xfer {
			code, _, b := s.rest(t, "POST", "/transfers", fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d}`, from, to, amount))
			return restStatus(t, code, b)
		},
		grpc: func() xfer {
			return grpcStatus(t, s, "Transfer", fmt.Sprintf(`{"from":%q,"to":%q,"amount":"%d"}`, from, to, amount))
		},
		graphql: func() xfer {
			return gqlStatus(t, s, "transfer", `mutation ($from: String!, $to: String!, $amount: Int64) { transfer(from: $from, to: $to, amount: $amount) `+statusFields+` }`,
				map[string]any{"from": from, "to": to, "amount": amount})
		},
	}
}

// transferStatus reads a transfer's status over each protocol.
func (s *server) transferStatus(t testing.TB, id string) protocols3 {
	return protocols3{
		rest: func() xfer {
			code, _, b := s.rest(t, "GET", "/transfers/"+id, "")
			return restStatus(t, code, b)
		},
		grpc: func() xfer { return grpcStatus(t, s, "TransferStatus", fmt.Sprintf(`{"id":%q}`, id)) },
		graphql: func() xfer {
			return gqlStatus(t, s, "transferStatus", `query ($id: String!) { transferStatus(id: $id) `+statusFields+` }`, map[string]any{"id": id})
		},
	}
}

// protocols3 runs one transfer operation over each protocol.
type protocols3 struct {
	rest, grpc, graphql func() xfer
}

func (p protocols3) each(f func(proto string, st xfer)) {
	f("REST", p.rest())
	f("gRPC", p.grpc())
	f("GraphQL", p.graphql())
}

// await waits for the transfer id to finish, on the saga's own signal.
func (b *bank) await(t testing.TB, id string) saga.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	st, err := b.transfers.Wait(ctx, id)
	if err != nil {
		t.Fatalf("transfer %s: %v", id, err)
	}
	return st
}

// funded opens an account for owner with balance.
func (s *server) funded(t testing.TB, owner string, balance int64) string {
	t.Helper()
	acc := s.restOpen(t, owner)
	if balance > 0 {
		if r := s.restMove(t, "deposit", acc.ID, balance); r.code != app.CodeOK {
			t.Fatal(r.raw)
		}
	}
	return acc.ID
}

func (s *server) balance(t testing.TB, id string) int64 {
	t.Helper()
	r := s.restGet(t, id)
	if r.code != app.CodeOK {
		t.Fatalf("getAccount %s: %s", id, r.raw)
	}
	return r.account.Balance
}

// A transfer started over each protocol completes; its status reads the
// same over each protocol.
func TestTransferOnEveryProtocol(t *testing.T) {
	var b *bank
	s := start(t, sqliteURL(t), fx.Populate(&b))
	ada, bob := s.funded(t, "ada", 100), s.funded(t, "bob", 0)
	var ids []string
	amount := int64(10)
	s.transfer(t, ada, bob, 0).each(func(proto string, st xfer) {
		if st.Err != app.CodeInvalidArgument {
			t.Errorf("transfer of 0 over %s: %+v, want invalid_argument", proto, st)
		}
	})
	s.transfer(t, ada, bob, amount).each(func(proto string, st xfer) {
		if st.Err != app.CodeOK || st.ID == "" || (st.State != saga.StateRunning && st.State != saga.StateCompleted) {
			t.Errorf("transfer over %s: %+v", proto, st)
		}
		ids = append(ids, st.ID)
	})
	for _, id := range ids {
		if st := b.await(t, id); st.State != saga.StateCompleted {
			t.Errorf("transfer %s: %+v, want completed", id, st)
		}
		s.transferStatus(t, id).each(func(proto string, st xfer) {
			want := xfer{ID: id, State: saga.StateCompleted, Step: st.Step}
			if diff := cmp.Diff(st, want); diff != "" {
				t.Errorf("transferStatus over %s (-got +want):\n%s", proto, diff)
			}
		})
	}
	if got, got2 := s.balance(t, ada), s.balance(t, bob); got != 100-3*amount || got2 != 3*amount {
		t.Errorf("balances %d, %d after three transfers of %d; want %d, %d", got, got2, amount, 100-3*amount, 3*amount)
	}
	s.transferStatus(t, "no-such-transfer").each(func(proto string, st xfer) {
		if st.Err != app.CodeNotFound {
			t.Errorf("transferStatus of an unknown id over %s: %+v", proto, st)
		}
	})
}

// A transfer whose credit fails refunds the debit: money is conserved and
// the status says why, over every protocol.
func TestTransferCompensates(t *testing.T) {
	var b *bank
	s := start(t, "memory:", fx.Populate(&b))
	ada := s.funded(t, "ada", 100)
	closed := s.funded(t, "cy", 0)
	if r := s.grpcCall(t, "CloseAccount", fmt.Sprintf(`{"id":%q}`, closed)); r.code != app.CodeOK || !r.account.Closed {
		t.Fatalf("closeAccount: %v %s", r.code, r.raw)
	}
	s.move(t, "deposit", closed, 1).each(func(proto string, r reply) {
		if r.code != app.CodeFailedPrecondition {
			t.Errorf("deposit to a closed account over %s: %v %s", proto, r.code, r.raw)
		}
	})
	tests := []struct {
		name, to string
		amount   int64
		want     xfer
	}{
		{name: "closed target", to: closed, amount: 30, want: xfer{State: saga.StateCompensated, Step: "credit", Code: "failed_precondition"}},
		{name: "missing target", to: "01a00000-0000-7000-8000-000000000000", amount: 30,
			want: xfer{State: saga.StateCompensated, Step: "credit", Code: "not_found"}},
		{name: "insufficient funds", to: closed, amount: 1000, want: xfer{State: saga.StateCompensated, Step: "debit", Code: "failed_precondition"}},
	}
	for _, tt := range tests {
		st := s.transfer(t, ada, tt.to, tt.amount).rest()
		if st.Err != app.CodeOK {
			t.Fatalf("%s: transfer: %+v", tt.name, st)
		}
		b.await(t, st.ID)
		tt.want.ID = st.ID
		s.transferStatus(t, st.ID).each(func(proto string, got xfer) {
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("%s: transferStatus over %s (-got +want):\n%s", tt.name, proto, diff)
			}
		})
		if got := s.balance(t, ada); got != 100 {
			t.Errorf("%s: the sender has %d after the compensation, want 100", tt.name, got)
		}
	}
	if got := s.balance(t, closed); got != 0 {
		t.Errorf("the closed account has %d, want 0", got)
	}
	// The sender's history: the initial deposit, then a debit and its
	// refund for each transfer that got past the debit.
	code, _, body := s.rest(t, "GET", "/accounts/"+ada, "")
	var acc Account
	if err := json.Unmarshal(body, &acc); err != nil || code != http.StatusOK || acc.Version != 2+2*2 {
		t.Errorf("sender after the compensations: %d %s, want version 6", code, body)
	}
}
