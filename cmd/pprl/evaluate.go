package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/linkage/evaluate"
)

func init() { register(newEvaluateCmd) }

// truthFlags are the flags that name a ground-truth file (evaluate, report).
type truthFlags struct {
	path, format, pairDatasets, idColumn string
	extracts                             []string
}

func (t *truthFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&t.path, "truth", "", "ground-truth file (synth truth.csv or an i,j pair list)")
	f.StringVar(&t.format, "truth-format", "auto", "truth format: auto, synth or pairs")
	f.StringVar(&t.pairDatasets, "pair-datasets", "", "pairs format: datasets of the i and j columns, A,B (A alone for deduplication)")
	f.StringArrayVar(&t.extracts, "extract", nil, "pairs format: DATASET=CSV extract whose --id-column gives each row's record_id (repeatable)")
	f.StringVar(&t.idColumn, "id-column", "", "pairs format: record ID column of the --extract files")
}

// spec turns the flags into a TruthSpec.
func (t *truthFlags) spec() (evaluate.TruthSpec, error) {
	s := evaluate.TruthSpec{Path: t.path, Format: t.format, IDColumn: t.idColumn}
	if t.pairDatasets != "" {
		for _, d := range strings.Split(t.pairDatasets, ",") {
			s.PairDatasets = append(s.PairDatasets, strings.TrimSpace(d))
		}
	}
	for _, e := range t.extracts {
		name, path, ok := strings.Cut(e, "=")
		if !ok || name == "" || path == "" {
			return s, exitcode.Inputf("--extract wants DATASET=PATH")
		}
		if s.Extracts == nil {
			s.Extracts = map[string]string{}
		}
		s.Extracts[name] = path
	}
	return s, nil
}

const truthHelp = `Truth formats (--truth-format, default auto):
  synth   the truth.csv of 'pprl synth': dataset,record_id,person_id and subgroup columns
  pairs   a FEBRL-style list of true pairs "i,j" of 0-based data-row indices into the
          extracts of --pair-datasets A,B (or A alone for deduplication). A row's record_id
          is its 1-based row number, unless --extract DATASET=CSV and --id-column name the
          column that tokenize took record IDs from.`

func newEvaluateCmd() *cobra.Command {
	var (
		truth  truthFlags
		scope  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "evaluate --truth TRUTH OUTDIR",
		Short: "Measure a linkage's quality against ground truth",
		Long: `Measure the quality of a 'pprl match' run (OUTDIR holds links.parquet, entities.parquet
and summary.json) against ground truth: pairwise precision, recall and F1 of the entities
and of the links; cluster measures (people found exactly, split and merged, B-cubed);
blocking reduction ratio and pairs completeness; recall by dataset pair, by dataset and by
every subgroup column of the truth (age band, sex, role...); and a threshold sweep.

A true pair is two records of the same person. Pairs across datasets count; pairs within
one dataset count too when the run deduplicates one dataset or its entities hold several
records of one dataset (--scope overrides: cross or all). Truth records that are missing
from the outputs (rejected at tokenize) count as missed.

` + truthHelp + `

Output is aligned text, or JSON with --json. Nothing printed names a record or a person.`,
		Example: `  pprl evaluate --truth extracts/truth.csv linkage-unit/run1
  pprl evaluate --truth febrl4_truth.csv --pair-datasets a,b \
      --extract a=dataset4a.csv --extract b=dataset4b.csv --id-column rec_id run --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if truth.path == "" {
				return exitcode.Inputf("--truth is required: the ground-truth file")
			}
			spec, err := truth.spec()
			if err != nil {
				return err
			}
			opts := evaluate.Options{}
			switch scope {
			case "auto":
			case "cross":
				opts.Scope = evaluate.ScopeCross
			case "all":
				opts.Scope = evaluate.ScopeAll
			default:
				return exitcode.Inputf("--scope must be auto, cross or all, not %q", scope)
			}
			res, err := evaluate.Run(args[0], spec, opts)
			if err != nil {
				return fmt.Errorf("evaluate: %w", err)
			}
			return evaluate.Write(stdout(cmd), res, asJSON)
		},
	}
	truth.add(cmd)
	cmd.Flags().StringVar(&scope, "scope", "auto", "which true pairs count: auto, cross (across datasets) or all")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}
