package main

import (
	"fmt"
	"path/filepath"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/seal"
	"github.com/pprl/pprl/linkage"
	"github.com/pprl/pprl/linkage/subjectaccess"
)

func init() { register(newLookupCmd) }

func newLookupCmd() *cobra.Command {
	var (
		keyFile, runDir, requester, out, logPath string
		tokens, recipients                       []string
		force                                    bool
	)
	cmd := &cobra.Command{
		Use:   "lookup --run RUNDIR --tokens FILE... REQUEST --recipient DATASET=FILE... --requester DATASET -o ANSWERDIR",
		Short: "Answer \"which services hold information about me?\" across agencies, sealed to each",
		Long: `A person asks one agency what is held about them. The agency tokenizes the request like
any extract (a one-row file, or a few rows for known aliases, under its own --dataset such
as request) and seals it to the linkage unit, which runs lookup against its latest match
run (--run, the directory pprl match wrote) and that run's token files (--tokens, one per
agency; files that are not the run's are refused).

Each request row is compared with the agencies' records and scored with the run's own
model. It is judged alone, so it must reach the higher of the run's between- and
within-dataset thresholds (about 18 to 20 bits: a request that links is the same person
beyond reasonable doubt; a near namesake is not). Every entity a row links to is expanded to
all its records through the run's entities.

ANSWERDIR receives answer.age, sealed to the requester (--requester DATASET): which datasets
hold records of the person and how many; DATASET.records.age for every agency of the run,
sealed to that agency alone: the record IDs it must look up (empty when it holds none); and
manifest.json, which says who each file is sealed to and nothing of what was found. Every
dataset of the run needs a --recipient, so the answer's shape tells nothing either. No
match is an answer too. Open a file with: age -d -i AGENCY.key FILE.`,
		Example: `  pprl lookup --key lu.key --run tonight --tokens sw.tokens.age --tokens ed.tokens.age \
    request.tokens.age --recipient social_work=sw.pub --recipient education=ed.pub \
    --requester education -o answer-2026-0412`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLog(logPath); err != nil {
				return err
			}
			if runDir == "" || out == "" || requester == "" {
				return exitcode.Inputf("--run, --requester and -o are required")
			}
			if err := checkOutDir(out, force); err != nil {
				return err
			}
			recs, err := parseRecipients(recipients)
			if err != nil {
				return err
			}
			var ids []age.Identity
			if keyFile != "" {
				var err error
				if ids, err = seal.ReadIdentities(keyFile); err != nil {
					return err
				}
			}
			run, err := linkage.ReadRun(runDir)
			if err != nil {
				return err
			}
			agencies, err := linkage.LoadTokenFiles(tokens, ids)
			if err != nil {
				return err
			}
			req, err := linkage.LoadTokenFiles(args, ids)
			if err != nil {
				return fmt.Errorf("request: %w", err)
			}
			res, err := linkage.Lookup(run, req[0], agencies)
			if err != nil {
				return err
			}
			man, err := subjectaccess.Write(run, res, subjectaccess.Options{OutDir: out, Force: force,
				Recipients: recs, Requester: requester, Now: time.Now()})
			if err != nil {
				return err
			}
			if !global.quiet {
				w := stdout(cmd)
				fmt.Fprintf(w, "looked up %d request row(s) against run %s\n", res.RequestRows, runDir)
				fmt.Fprintf(w, "wrote %s: %s sealed to %s (%s), and a record list for each of %d agencies, each sealed to it alone\n",
					out, subjectaccess.AnswerFile, requester, man.Files[subjectaccess.AnswerFile], len(man.Files)-1)
			}
			in := [][2]string{{"request", args[0]}, {"run summary", filepath.Join(runDir, linkage.SummaryFile)}, {"run entities", filepath.Join(runDir, linkage.EntitiesFile)}}
			outs := [][2]string{{"manifest", filepath.Join(out, subjectaccess.ManifestFile)}}
			return appendLog(cmd, logPath, "lookup", in, outs, map[string]any{"request_rows": res.RequestRows, "requester": requester})
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "the linkage unit's private key file (needed for sealed token files)")
	f.StringVar(&runDir, "run", "", "the directory of the match run to look the request up in")
	f.StringArrayVar(&tokens, "tokens", nil, "a token file of the run (repeat, one per agency)")
	f.StringArrayVar(&recipients, "recipient", nil, "DATASET=FILE: the public key of the agency holding DATASET (one per dataset of the run)")
	f.StringVar(&requester, "requester", "", "the dataset of the agency that asked: answer.age is sealed to it")
	f.StringVarP(&out, "output", "o", "", "answer directory to write")
	f.BoolVar(&force, "force", false, "replace an existing answer directory")
	f.StringVar(&logPath, "log", "", "the linkage unit's ledger `FILE`: append an entry for this lookup (see pprl log)")
	return cmd
}
