package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/atomicfile"
	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/tokenize"
)

func init() { register(newSchemaCmd) }

func newSchemaCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Write a starter linkage spec, or check a spec, a mapping and an extract's header",
		Long: `schema works with linkage specs: the file every agency in a project shares, declaring
the fields, their normalisation, the CLK encoding and its hardening, and the deterministic
token rules. Its fingerprint is recorded in every token file; the matcher refuses files
whose fingerprints differ.

  pprl schema init -o linkage.json                  write the documented starter spec
  pprl schema check --schema linkage.json [--mapping agency.json] [EXTRACT]

Each agency describes its own extract in an input mapping (column names, date formats,
sex codes, record ID column), which is not part of the fingerprint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exitcode.Inputf("schema needs a subcommand: init or check (see 'pprl schema --help')")
		},
	}
	cmd.AddCommand(newSchemaInitCmd(), newSchemaCheckCmd())
	return cmd
}

const schemaGuide = `Starter linkage spec for a UK person extract:
  fields      forename, middle_names, surname, dob, sex, postcode, chi, nhs, address
  CLK         1024 bits over forename, surname (bigrams), sex (salted, like the names,
              with year of birth), dob (positional digits) and postcode (bigrams);
              keyed diffusion (8 taps)
  rules       t1..t17, no t4 (surname + initial + sex + DOB; Soundex; full names;
              names + DOB + postcode outward code; and rules that each survive one common
              error: a changed surname (t6, t12, t14 after a local move), a missing or
              wrong DOB, a wrong year, a mistyped DOB with a CHI (t9, CHI/NHS alone),
              swapped names (t10, either order), a middle name used as the forename, a
              day and a month swapped (t13), a forename missing or mistyped in its first
              letter (t15, a family rule), a changed surname told from a stranger by the
              middle name (t16), both names changed at one address (t17: DOB + sex +
              postcode, a family rule))
  attributes  none (each one narrows who a record could be; add only what reports need)
Every agency must use the file unchanged. Each agency writes an input mapping for its own
columns ({"mapping_version": 1, "record_id": ..., "columns": {...}, "date_formats": {...}}),
then runs: pprl schema check --schema FILE --mapping MAPPING EXTRACT
`

func newSchemaInitCmd() *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "init [-o FILE]",
		Short: "Write the documented starter linkage spec for a UK person extract",
		Long: `init writes the starter linkage spec (JSON; "description" and "_comment" keys document
it and do not change its fingerprint) to FILE, or to standard output without -o, and a
short guide to standard error. It refuses to replace an existing file without --force.`,
		Example: "  pprl schema init -o linkage.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := tokenize.MarshalSpec(tokenize.StarterSpec())
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := stdout(cmd).Write(doc)
				if err == nil && !global.quiet {
					fmt.Fprint(cmd.ErrOrStderr(), schemaGuide)
				}
				return err
			}
			if err := atomicfile.WriteFile(out, doc, atomicfile.Options{Perm: 0o644, NoOverwrite: !force}); err != nil {
				if errors.Is(err, fs.ErrExist) {
					return exitcode.Inputf("%s exists: give --force to replace it (token files made with the old spec will not link with new ones)", out)
				}
				return exitcode.AsInput(err)
			}
			if !global.quiet {
				fmt.Fprint(cmd.ErrOrStderr(), schemaGuide)
				s := tokenize.StarterSpec()
				fmt.Fprintf(stdout(cmd), "wrote %s\nfingerprint: %s\n", out, tokenize.ShortFingerprint(s.Fingerprint()))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	return cmd
}

func newSchemaCheckCmd() *cobra.Command {
	var o tokenize.CheckOptions
	cmd := &cobra.Command{
		Use:   "check --schema FILE [--mapping FILE] [--id-column COL] [EXTRACT]",
		Short: "Validate a linkage spec (native or clkhash), a mapping and an extract's header",
		Long: `check validates a linkage spec and prints its fingerprint, which every agency of a project
must see the same. With --mapping it also checks the agency's input mapping against the
spec (field names, date formats, sex codes); with EXTRACT it reads the extract's header and
shows which column feeds each field, failing with the expected and found column names when a
mapped column is missing. It then tokenizes the first --sample rows (default 2000) with a
throwaway secret, keeping nothing, and fails where tokenize would (malformed rows, duplicate
IDs, a field unusable on most rows: a wrong date format, codes the mapping does not know;
sex codes or forename and surname columns the wrong way round, told by the forenames);
otherwise it prints, per field, the share of sample rows it could not use and why.`,
		Example: "  pprl schema check --schema linkage.json --mapping social_work.json social_work.csv",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Extract = args[0]
			}
			if o.SampleRows < 0 {
				return exitcode.Inputf("--sample must be 0 (header only) or more, not %d", o.SampleRows)
			}
			if o.SampleRows == 0 {
				o.SampleRows = -1
			}
			r, err := tokenize.Check(o)
			if err != nil {
				return err
			}
			r.WriteText(stdout(cmd))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Schema, "schema", "", "linkage spec `FILE` (native or clkhash)")
	f.StringVar(&o.Mapping, "mapping", "", "input mapping `FILE`")
	f.StringVar(&o.IDColumn, "id-column", "", "record ID `COLUMN` when there is no mapping")
	f.StringVar(&o.Format, "format", "", "extract format: csv or parquet (default: from the file)")
	f.Int64Var(&o.SampleRows, "sample", tokenize.DefaultCheckSample, "data rows to tokenize as a check (0: header only)")
	cmd.MarkFlagRequired("schema")
	return cmd
}
