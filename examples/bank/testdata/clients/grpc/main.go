// Command bankclient opens an account, deposits, withdraws and closes it
// through the Go client protoc-gen-go and protoc-gen-go-grpc generate from
// the bank's exported service.proto (package bankclient/bankpb), reads the
// account's typed event feed (a protobuf oneof, one member per event type)
// and prints the account and the variants it received as JSON. Usage:
// bankclient HOST:PORT.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"bankclient/bankpb"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "bankclient:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	bank := bankpb.NewBankServiceClient(conn)
	opened, err := bank.OpenAccount(ctx, &bankpb.OpenAccountRequest{Owner: "go-grpc"})
	if err != nil {
		return fmt.Errorf("open account: %w", err)
	}
	if _, err := bank.Deposit(ctx, &bankpb.DepositRequest{Id: opened.GetId(), Amount: 1500}); err != nil {
		return fmt.Errorf("deposit: %w", err)
	}
	withdrawn, err := bank.Withdraw(ctx, &bankpb.WithdrawRequest{Id: opened.GetId(), Amount: 250})
	if err != nil {
		return fmt.Errorf("withdraw: %w", err)
	}
	if _, err := bank.CloseAccount(ctx, &bankpb.CloseAccountRequest{Id: opened.GetId()}); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	stream, err := bank.AccountEvents(ctx, &bankpb.AccountEventsRequest{Id: opened.GetId()})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	var events []string
	for len(events) < 4 {
		item, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		switch v := item.GetEvent().GetValue().(type) {
		case *bankpb.Event_AccountOpened:
			events = append(events, "accountOpened:"+v.AccountOpened.GetOwner())
		case *bankpb.Event_Deposited:
			events = append(events, fmt.Sprintf("deposited:%d", v.Deposited.GetAmount()))
		case *bankpb.Event_Withdrawn:
			events = append(events, fmt.Sprintf("withdrawn:%d", v.Withdrawn.GetAmount()))
		case *bankpb.Event_AccountClosed:
			events = append(events, "accountClosed")
		default:
			return fmt.Errorf("event %d: no oneof member set (%T)", len(events), v)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"id": withdrawn.GetId(), "owner": withdrawn.GetOwner(), "balance": withdrawn.GetBalance(), "events": events,
	})
}
