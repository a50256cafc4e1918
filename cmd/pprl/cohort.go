package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/linkage/cohort"
)

func init() { register(newCohortCmd) }

func newCohortCmd() *cobra.Command {
	var (
		def        cohort.Definition
		entities   string
		recipients []string
		keyPath    string
		out        string
		force      bool
		logPath    string
	)
	cmd := &cobra.Command{
		Use:   "cohort --entities OUTDIR/entities.parquet --project NAME --include DATASET[,...] --recipient DATASET=FILE ... -o COHORTDIR",
		Short: "Release a pseudonymised research cohort: per-agency sealed maps from record IDs to project study IDs",
		Long: `cohort selects the people of a research cohort from pprl match's entities.parquet and
gives each agency a map from its own record IDs to study IDs that exist only for this project.

  --include    people with a record in any of these datasets are in the cohort...
  --require    ...and, if given, only those with a record in every one of these too.
  --recipient  DATASET=FILE: the agency's age public key file (made with 'pprl keygen unit').
               Every included and required dataset needs one; another dataset given a
               recipient receives the map of its records of cohort members too.

People whose entity pprl match flagged opted_out (it was given opt-out registers with
--opt-out) are left out of every cohort; the manifest counts them, never which.

COHORTDIR gets DATASET.map.age for each receiving agency, a Parquet file (record_id,
study_id) sealed to that agency alone (open it with: age -d -i AGENCY.key DATASET.map.age),
and manifest.json: the project, the definition and the counts per agency, with no
identifier, record ID, entity ID or study ID.

Study IDs come from the project key (--project-key, default projects/NAME.key), created
with mode 0600 on the project's first release and reused by later ones so that their
study IDs agree. Keep it with the linkage unit; delete it at the end of the project to make
the study IDs unlinkable for good. Different projects have different keys, so their study
IDs never join.

A cohort of fewer than --min-size people (default 10) is refused (exit 2): so few people
could be recognised from the content agencies attach. --allow-small overrides this when
the release is approved.`,
		Example: `  pprl cohort --entities run/entities.parquet --project CE2026 \
    --include social_work --require education \
    --recipient social_work=sw.pub --recipient education=ed.pub --recipient health=he.pub \
    -o cohort-CE2026`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLog(logPath); err != nil {
				return err
			}
			recs, err := parseRecipients(recipients)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("min-size") && def.MinSize < 1 {
				return exitcode.Inputf("--min-size must be at least 1, not %d", def.MinSize)
			}
			res, err := cohort.Build(def, cohort.Options{
				Entities: entities, ProjectKey: keyPath, Recipients: recs, OutDir: out, Force: force,
			})
			if err != nil {
				return err
			}
			m := res.Manifest
			if !global.quiet {
				printCohort(cmd, res, out)
			}
			var outs [][2]string
			for _, a := range m.Agencies {
				outs = append(outs, [2]string{a.Dataset + " map", filepath.Join(out, a.File)})
			}
			outs = append(outs, [2]string{"manifest", filepath.Join(out, cohort.ManifestFile)})
			return appendLog(cmd, logPath, "cohort", [][2]string{{"entities", entities}}, outs, map[string]any{
				"project": m.Project, "people": m.People, "agencies": len(m.Agencies),
				"excluded_opted_out": m.ExcludedOptedOut, "opt_out_registers": m.OptOutRegisters,
				"project_key_fingerprint": m.ProjectKeyFingerprint})
		},
	}
	f := cmd.Flags()
	f.StringVar(&entities, "entities", "", "entities.parquet written by pprl match (required)")
	f.StringVar(&def.Project, "project", "", "research project name; study IDs are specific to it (required)")
	f.StringSliceVar(&def.Include, "include", nil, "datasets whose people form the cohort (required; comma-separated or repeated)")
	f.StringSliceVar(&def.Require, "require", nil, "datasets every cohort member must also have a record in")
	f.StringArrayVar(&recipients, "recipient", nil, "DATASET=FILE: the age public key file of the agency that receives DATASET's map (repeat per agency)")
	f.IntVar(&def.MinSize, "min-size", cohort.DefaultMinSize, "smallest cohort released without --allow-small")
	f.BoolVar(&def.AllowSmall, "allow-small", false, "release a cohort smaller than --min-size (approved releases only)")
	f.StringVar(&keyPath, "project-key", "", "project key file, created on first use (default projects/NAME.key)")
	f.StringVarP(&out, "output", "o", "", "cohort directory to write (required)")
	f.BoolVar(&force, "force", false, "replace an existing cohort directory")
	f.StringVar(&logPath, "log", "", "the linkage unit's ledger `FILE`: append an entry for this release (see pprl log)")
	for _, name := range []string{"entities", "project", "include", "output"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

// printCohort describes a release on stdout: counts, files and recipients,
// never an identifier.
func printCohort(cmd *cobra.Command, res *cohort.Result, out string) {
	m := res.Manifest
	w := stdout(cmd)
	fmt.Fprintf(w, "cohort %s: %d people from %d linked records\n", m.Project, m.People, m.EntitiesRecords)
	for _, a := range m.Agencies {
		fmt.Fprintf(w, "  %-20s %8d records %8d people  %s/%s  sealed to %s\n", a.Dataset, a.Records, a.People, out, a.File, a.RecipientFingerprint)
	}
	if m.OptOutRegisters > 0 {
		fmt.Fprintf(w, "left out %d people who objected (%d opt-out register(s) applied by pprl match)\n", m.ExcludedOptedOut, m.OptOutRegisters)
	} else {
		fmt.Fprintf(w, "no opt-out register was applied to this match run (pprl match --opt-out): objections are not reflected\n")
	}
	fmt.Fprintf(w, "wrote %s/%s\n", out, cohort.ManifestFile)
	if res.KeyCreated {
		fmt.Fprintf(w, "created project key %s (mode 0600; fingerprint %s): keep it with the linkage unit for later releases of this project, and delete it at the project's end\n", res.KeyPath, m.ProjectKeyFingerprint)
	} else {
		fmt.Fprintf(w, "used project key %s (fingerprint %s)\n", res.KeyPath, m.ProjectKeyFingerprint)
	}
}
