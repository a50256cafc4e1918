package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/buildinfo"
)

func init() { register(newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print pprl's version and the Go version it was built with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(stdout(cmd), "pprl %s (%s)\n", buildinfo.Version(), buildinfo.GoVersion())
			return nil
		},
	}
}
