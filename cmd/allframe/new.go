package main

import "github.com/spf13/cobra"

func newNewCmd() *cobra.Command {
	return &cobra.Command{Use: "new NAME", Short: "Scaffold a new service", Hidden: true}
}
