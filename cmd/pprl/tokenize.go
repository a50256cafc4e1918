package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
	"github.com/pprl/pprl/internal/progress"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/internal/tokenfile"
	"github.com/pprl/pprl/tokenize"
)

func init() { register(newTokenizeCmd) }

func newTokenizeCmd() *cobra.Command {
	var (
		schemaPath, mappingPath, secretPath, dataset, sealTo, out, rejects, idColumn, format, recipientFP, release string
		noSeal, force, allowSuspectMapping                                                                         bool
		maxRejectRate, maxFieldRate                                                                                float64
		workers                                                                                                    int
	)
	cmd := &cobra.Command{
		Use:   "tokenize --schema S --secret KEY --dataset NAME (--seal-to LU.pub | --no-seal) EXTRACT [-o OUT]",
		Short: "Encode an extract's identifiers into a sealed token file (run by each agency on site)",
		Long: `tokenize reads an extract (CSV or Parquet), normalises each row's names, date of birth,
sex, postcode and ID numbers, and writes one token file: per record its ID, a hardened
keyed Bloom filter (CLK) and keyed deterministic tokens, sealed with age to the linkage
unit's public key. Nothing in the output, the rejects file or the log identifies a person.

  --schema    the project's linkage spec (shared by every agency; 'pprl schema init'),
              or a clkhash v1/v2/v3 schema
  --mapping   this agency's input mapping: its column names, date formats, sex codes and
              record ID column (see docs/architecture.md). Without it, columns named like
              the spec's fields are used, dates must be YYYY-MM-DD, and the record ID is
              --id-column, a record_id column, or the row number; an extract without a
              column for each name and date field of the CLK is refused.
  --secret    the project secret file (owner-only permissions)
  --seal-to   the linkage unit's public key file (lu.pub); --no-seal writes plain Parquet
              instead, and must be asked for explicitly

A row is rejected (not encoded) when its record ID is blank or when it has no usable name
and no usable date of birth; other unusable fields are left out of that row's encoding.
The rejects file (default OUT.rejects.csv) lists row number, field, reason code and
outcome, never a value. If more than --max-reject-rate of the rows are rejected, nothing
is written and the exit status is 2. Duplicate record IDs are an input error.

Sex codes the wrong way round, or forename and surname columns swapped, reject nothing
but cost the match most of the agency's pairs. Most forenames are given almost only to girls
or only to boys, and fill about half a forename column but a few percent of a surname column:
when the sex contradicts such a forename on more than a quarter of at least 100 rows (a
correct mapping gives under a few percent), or a quarter of the surnames are such forenames,
more than twice as many as the forenames, nothing is written and the exit status is 2:
check the mapping, or give --allow-suspect-mapping.

The same extract and secret give a byte-identical unsealed file: the manifest's time is
SOURCE_DATE_EPOCH or the extract's modification time.

Exit status: 0 success, 1 runtime failure, 2 usage or input error (nothing written).`,
		Example: `  pprl tokenize --schema linkage.json --mapping social_work.json --secret project.key \
      --dataset social_work --seal-to lu.pub social_work.csv -o social_work.tokens.age`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if noSeal == (sealTo != "") {
				return exitcode.Inputf("give exactly one of --seal-to LU.pub (seal the token file to the linkage unit) and --no-seal (write it unsealed)")
			}
			if err := inRange("--max-reject-rate", maxRejectRate, 0, 1, false, "0.05 for 5%"); err != nil {
				return err
			}
			if err := inRange("--max-field-reject-rate", maxFieldRate, 0, 1, true, "0.5"); err != nil {
				return err
			}
			if workers < 0 {
				return exitcode.Inputf("--workers must be 0 (all cores) or more, not %d", workers)
			}
			if release != "" && !tokenfile.ValidRelease(release) {
				return exitcode.Inputf("--release %q: a release name is letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit), e.g. 2026-12", release)
			}
			if out == "" {
				out = dataset + ".tokens.age"
				if noSeal {
					out = dataset + ".tokens.parquet"
				}
			}
			rejectsPath := rejects
			if rejectsPath == "" {
				rejectsPath = out + tokenize.RejectsSuffix
			}
			for _, p := range []string{out, rejectsPath} {
				if err := checkOutFile(p, force); err != nil {
					return err
				}
			}
			schema, err := tokenize.LoadSchema(schemaPath)
			if err != nil {
				return err
			}
			// A clkhash schema takes clkhash's secret as it is (any text),
			// to reproduce clkhash's encodings; pprl's own specs take only
			// what 'pprl keygen secret' writes.
			readSecret := keys.ReadSecret
			if schema.Clkhash != nil {
				readSecret = keys.ReadTextSecret
			}
			secret, err := readSecret(secretPath)
			if err != nil {
				return err
			}
			opts := tokenize.Options{
				Schema:              schema,
				IDColumn:            idColumn,
				Secret:              secret,
				Dataset:             dataset,
				Release:             release,
				Input:               args[0],
				Format:              format,
				Output:              out,
				Rejects:             rejects,
				MaxRejectRate:       maxRejectRate,
				MaxFieldRejectRate:  maxFieldRate,
				AllowSuspectMapping: allowSuspectMapping,
				Workers:             workers,
				Logger:              nil,
			}
			if sealTo != "" {
				r, fp, err := seal.ReadRecipient(sealTo)
				if err != nil {
					return err
				}
				opts.Recipients, recipientFP = []age.Recipient{r}, fp
			}
			if mappingPath != "" {
				if opts.Mapping, err = tokenize.LoadMapping(mappingPath); err != nil {
					return err
				}
			}
			bar := progress.New(-1, "tokenize", progress.Items, global.quiet)
			opts.Progress = bar.Set
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			res, err := tokenize.Tokenize(ctx, opts)
			bar.Finish()
			if err != nil {
				return err
			}
			if !global.quiet {
				printTokenizeResult(cmd, res, sealTo, recipientFP)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&force, "force", false, "replace an existing token file and rejects file")
	f.StringVar(&schemaPath, "schema", "", "linkage spec (native or clkhash) `FILE`")
	f.StringVar(&mappingPath, "mapping", "", "this agency's input mapping `FILE`")
	f.StringVar(&secretPath, "secret", "", "project secret `FILE` (owner-only permissions)")
	f.StringVar(&dataset, "dataset", "", "dataset `NAME` recorded in the token file, e.g. social_work")
	f.StringVar(&release, "release", "", "data release `NAME` recorded in the token file, e.g. 2026-12 (a project that rotates its secret per release; files of different releases are never matched together)")
	f.StringVar(&sealTo, "seal-to", "", "seal the token file to the linkage unit's public key `FILE`")
	f.BoolVar(&noSeal, "no-seal", false, "write the token file unsealed (only when asked for explicitly)")
	f.StringVarP(&out, "output", "o", "", "token file to write (default NAME.tokens.age, or NAME.tokens.parquet with --no-seal)")
	f.StringVar(&rejects, "rejects", "", "rejects file (default OUT.rejects.csv)")
	f.Float64Var(&maxRejectRate, "max-reject-rate", tokenize.DefaultMaxRejectRate, "fail, writing nothing, when more than this share of rows is rejected")
	f.BoolVar(&allowSuspectMapping, "allow-suspect-mapping", false, "tokenize even when the sex contradicts the forename on most rows (sex codes the wrong way round) or the surnames are forenames (columns swapped)")
	f.Float64Var(&maxFieldRate, "max-field-reject-rate", tokenize.DefaultMaxFieldRejectRate, "fail, writing nothing, when one field is unusable (present but invalid) on more than this share of rows")
	f.StringVar(&idColumn, "id-column", "", "record ID `COLUMN` when there is no --mapping (default: record_id column, else row number)")
	f.StringVar(&format, "format", "", "input format: csv or parquet (default: from the file)")
	f.IntVar(&workers, "workers", 0, "encoding goroutines (default: all cores)")
	cmd.MarkFlagRequired("schema")
	cmd.MarkFlagRequired("secret")
	cmd.MarkFlagRequired("dataset")
	return cmd
}

func printTokenizeResult(cmd *cobra.Command, res *tokenize.Result, sealTo, fingerprint string) {
	w := stdout(cmd)
	m := res.Manifest
	sealed := "unsealed"
	if sealTo != "" {
		sealed = "sealed to " + sealTo + ", public key fingerprint " + fingerprint + ": confirm it with the linkage unit"
	}
	fmt.Fprintf(w, "%s: %d rows read, %d encoded, %d rejected in %.1fs (%.0f rows/s)\n",
		m.Dataset, m.Rows.Read, m.Rows.Encoded, m.Rows.Rejected, res.Elapsed.Seconds(),
		float64(m.Rows.Read)/max(res.Elapsed.Seconds(), 1e-9))
	fmt.Fprintf(w, "token file:  %s (%s)\n", res.Output, sealed)
	if res.Rejects != "" {
		fmt.Fprintf(w, "rejects:     %s\n", res.Rejects)
	}
	if res.StandInDates > 0 {
		fmt.Fprintf(w, "stand-ins:   %d rows held %d %s of birth standing for an unknown date, read as missing (a second pass)\n",
			res.StandInRows, res.StandInDates, map[bool]string{true: "date", false: "dates"}[res.StandInDates == 1])
	}
	if res.PartialDates > 0 {
		fmt.Fprintf(w, "partial:     %d encoded rows hold a date of birth known only to the month or the year", res.PartialDates)
		if res.YearOnlyRows > 0 {
			fmt.Fprintf(w, " (%d of them dates on a day the extract writes for a year alone, read as the year, a second pass)", res.YearOnlyRows)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "schema:      %s (%s encoding, %d-bit CLK, rules %s)\n", tokenize.ShortFingerprint(m.SchemaFingerprint),
		m.Encoding, m.CLKBits, orNone(strings.Join(m.Rules, ",")))
	fmt.Fprintf(w, "secret:      %s\n", m.SecretFingerprint)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
