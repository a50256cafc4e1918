package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/linkage/report"
)

func init() { register(newReportCmd) }

func newReportCmd() *cobra.Command {
	var (
		truth   truthFlags
		out     string
		tokens  []string
		keyFile string
		force   bool
	)
	cmd := &cobra.Command{
		Use:   "report OUTDIR [--truth TRUTH] [-o report.html]",
		Short: "Write a self-contained HTML report of a linkage",
		Long: `Write one self-contained HTML file about a 'pprl match' run (OUTDIR holds links.parquet,
entities.parquet and summary.json) for people to read in a browser: headline numbers, the
inputs and their fingerprints, the score distribution with the chosen threshold, match
rates by dataset pair, entity sizes, and a short guide to reading it. With --truth it
adds precision and recall against the threshold and recall by dataset pair and subgroup
(the same figures as 'pprl evaluate'). Coarse report attributes, when the linkage spec
declares them (e.g. a birth-year band or postcode area), give match rates by subgroup
without truth: pass the token files with --tokens (and --key for sealed ones), or let
match carry attr_ columns into entities.parquet.

The file has inline CSS and SVG charts, no scripts, and loads nothing from the network.
It holds aggregates only: no record ID, entity ID or identifier. It is written to a
temporary name and renamed into place. Default output: OUTDIR/report.html.

` + truthHelp,
		Example: `  pprl report linkage-unit/run1 --truth extracts/truth.csv -o linkage-unit/run1/report.html`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := truth.spec()
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(args[0], "report.html")
			}
			if err := checkOutFile(out, force); err != nil {
				return err
			}
			opts := report.Options{Truth: spec, Tokens: tokens}
			if keyFile != "" {
				if opts.Identities, err = seal.ReadIdentities(keyFile); err != nil {
					return err
				}
			}
			if err := report.Run(args[0], opts, out); err != nil {
				return fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(stdout(cmd), "report written to %s\n", out)
			return nil
		},
	}
	truth.add(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "HTML file to write (default OUTDIR/report.html)")
	cmd.Flags().StringVar(&out, "out", "", "old name of --output")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing report file")
	cmd.Flags().MarkDeprecated("out", "use --output (-o)")
	cmd.Flags().StringArrayVar(&tokens, "tokens", nil, "token FILE whose report attributes (attr_ columns) give match rates by subgroup (repeatable)")
	cmd.Flags().StringVar(&keyFile, "key", "", "the linkage unit's private key, to open sealed --tokens files")
	return cmd
}
