package main

import (
	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/tokenize"
)

func init() { register(newInspectCmd) }

func newInspectCmd() *cobra.Command {
	var keyPath string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect FILE [--key LU.key] [--json]",
		Short: "Summarise a token file: manifest, token null rates, CLK popcount histogram",
		Long: `inspect shows what a token file holds without revealing anything about anyone: its
manifest (dataset, schema and secret fingerprints, rows read, encoded and rejected with
reasons), the share of records without a token for each rule, and a histogram of CLK
popcounts. It needs no project secret. A sealed file needs the linkage unit's private key
(--key); an unsealed one needs nothing.`,
		Example: "  pprl inspect social_work.tokens.age --key lu.key\n  pprl inspect social_work.tokens.parquet --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids []age.Identity
			if keyPath != "" {
				var err error
				if ids, err = seal.ReadIdentities(keyPath); err != nil {
					return err
				}
			}
			in, err := tokenize.Inspect(args[0], ids)
			if err != nil {
				return err
			}
			if asJSON {
				return in.WriteJSON(stdout(cmd))
			}
			in.WriteText(stdout(cmd))
			return nil
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", "", "linkage unit's private key `FILE`, to open a sealed token file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
