package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/progress"
	"github.com/pprl/pprl/internal/synth"
)

func init() { register(newSynthCmd) }

func newSynthCmd() *cobra.Command {
	var (
		out, agencies, overlap, corruption, asOf string
		people                                   int
		seed                                     uint64
		force                                    bool
	)
	cmd := &cobra.Command{
		Use:   "synth -o DIR",
		Short: "Generate synthetic multi-agency extracts with ground truth",
		Long: `Generate a synthetic population of children and their parents or carers, and one CSV
extract per agency (social work, education, health, children's hearings), each with its own
column names, formats, coverage and data-entry errors, for developing, testing and
demonstrating linkage.

DIR receives:
  <agency>.csv             one extract per agency
  mapping/<agency>.json    its input mapping for 'pprl tokenize --mapping'
  truth.csv                dataset,record_id,person_id,role,sex,birth_year,age_band,errors
  public/forenames.csv     name,count of the population's forenames (an attacker's
  public/surnames.csv      "public register" for 'pprl audit')
  synth.json               the settings used, to make the same files again

The same seed and flags give byte-identical files. --overlap sets the share of
eligible children an agency holds (education: children aged 3 and over), e.g.
--overlap social_work=0.3,childrens_hearings=0.1. --corruption scales every
agency's error and duplicate rates: none, low, default or high.`,
		Example: `  pprl synth -o extracts
  pprl synth --people 1000000 --seed 7 --agencies health,education -o big`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := synth.Config{People: people, Seed: seed, Corruption: corruption, Force: force}
			if out == "" {
				return exitcode.Inputf("--output (-o) is required: the directory to write the extracts to")
			}
			var err error
			if cmd.Flags().Changed("agencies") {
				if cfg.Agencies, err = synth.ParseAgencies(agencies); err != nil {
					return exitcode.Inputf("--agencies: %w", err)
				}
			}
			if cfg.Overlap, err = synth.ParseOverlap(overlap); err != nil {
				return exitcode.Inputf("--overlap: %w", err)
			}
			if _, ok := synth.CorruptionLevels[corruption]; !ok {
				return exitcode.Inputf("--corruption must be none, low, default or high, not %q", corruption)
			}
			if people < 1 {
				return exitcode.Inputf("--people must be at least 1")
			}
			if asOf != "" {
				if cfg.AsOf, err = synth.ParseDate(asOf); err != nil {
					return exitcode.Inputf("--as-of: %w", err)
				}
			}
			// A bar only on a terminal (nil, which does nothing, otherwise).
			bar := progress.New(int64(people), "synth (people)", progress.Items, global.quiet)
			cfg.Progress = func(done, total int) { bar.Set(int64(done)) }
			res, err := synth.Generate(cmd.Context(), cfg, out)
			if err == nil {
				bar.Finish()
			}
			if err != nil {
				if errors.Is(err, synth.ErrNotEmpty) {
					return exitcode.AsInput(err)
				}
				return fmt.Errorf("synth: %w", err)
			}
			if !global.quiet {
				w := stdout(cmd)
				fmt.Fprintf(w, "wrote %d people (%d children, %d parents or carers) to %s\n", res.People, res.Children, res.Parents, res.Dir)
				for _, e := range res.Extracts {
					fmt.Fprintf(w, "  %-24s %9d records (%d people, %d duplicates)\n", e.File, e.Rows, e.People, e.Duplicates)
				}
				fmt.Fprintf(w, "  %-24s ground truth; mapping/ holds the input mappings\n", "truth.csv")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "output directory (must be empty or absent unless --force)")
	f.StringVar(&out, "out", "", "old name of --output")
	f.MarkDeprecated("out", "use --output (-o)")
	f.IntVar(&people, "people", synth.DefaultPeople, "population size: children plus their parents or carers")
	f.Uint64Var(&seed, "seed", 1, "random seed: the same seed and flags give identical files")
	f.StringVar(&agencies, "agencies", strings.Join(synth.AgencyNames, ","), "comma-separated agencies to write")
	f.StringVar(&overlap, "overlap", "", "share of eligible children each agency holds, e.g. social_work=0.3,health=0.95")
	f.StringVar(&corruption, "corruption", "default", "data-entry error level: none, low, default or high")
	f.StringVar(&asOf, "as-of", synth.DefaultAsOf.Format("2006-01-02"), "extract date (YYYY-MM-DD): ages are as of this day")
	f.BoolVar(&force, "force", false, "replace a non-empty output directory")
	return cmd
}
