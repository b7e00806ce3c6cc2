// Command bankclient opens an account and deposits into it through the Go
// client protoc-gen-go and protoc-gen-go-grpc generate from the bank's
// exported service.proto (package bankclient/bankpb), then prints the
// account as JSON. Usage: bankclient HOST:PORT.
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
	deposited, err := bank.Deposit(ctx, &bankpb.DepositRequest{Id: opened.GetId(), Amount: 1250})
	if err != nil {
		return fmt.Errorf("deposit: %w", err)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"id": deposited.GetId(), "owner": deposited.GetOwner(), "balance": deposited.GetBalance(),
	})
}
