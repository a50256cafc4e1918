package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/ledger"
)

func init() { register(newLogCmd) }

func newLogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "The linkage unit's tamper-evident record of every use (verify it)",
		Long: `The linkage unit keeps a ledger: one JSON line per match run, cohort release and lookup,
appended by those commands when given --log FILE (keep one FILE for all of them). Each line
holds the time, the command, the files used and written with their SHA-256, counts (never
an identifier) and the SHA-256 of the line before it.

'pprl log verify FILE' checks the chain: an edited, deleted, inserted or reordered line is
reported with its line number (exit 2). Removing the newest lines, or rewriting the whole
chain, leaves it consistent: every appending command prints the new entry's hash, so keep
those hashes outside the linkage unit (send them with each release) and check against one
with --head: the ledger must still hold that entry.`,
	}
	cmd.AddCommand(newLogVerifyCmd())
	return cmd
}

func newLogVerifyCmd() *cobra.Command {
	var head string
	cmd := &cobra.Command{
		Use:     "verify FILE [--head sha256:HASH]",
		Short:   "Check the ledger's hash chain (and that it still holds a recorded entry)",
		Example: "  pprl log verify ledger.jsonl\n  pprl log verify ledger.jsonl --head sha256:3f1c…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if head != "" {
				if err := ledger.CheckHash(head); err != nil {
					return err
				}
			}
			st, err := ledger.Verify(args[0], head)
			if err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(stdout(cmd), "ledger %s: %d entries, chain intact; head %s\n", args[0], st.Entries, st.Head)
				if head != "" {
					fmt.Fprintf(stdout(cmd), "holds the recorded entry %s\n", head)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&head, "head", "", "a ledger hash recorded earlier (sha256:…): the ledger must still hold that entry")
	return cmd
}

// checkLog refuses, before any work, a ledger that exists and is damaged,
// so that a run is not made whose use could not be logged.
func checkLog(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := ledger.Verify(path, ""); err != nil {
		return fmt.Errorf("%w: nothing was done; run pprl log verify and restore the ledger from a copy", err)
	}
	return nil
}

// appendLog appends one entry to the ledger at path (nothing when path is
// empty), hashing the named inputs and outputs, and prints the entry's
// hash. Outputs are already written when it is called: a failure says so.
func appendLog(cmd *cobra.Command, path, command string, inputs, outputs [][2]string, facts map[string]any) error {
	if path == "" {
		return nil
	}
	e := ledger.Entry{Command: command, Facts: facts}
	for _, f := range inputs {
		h, err := ledger.HashFile(f[0], f[1])
		if err != nil {
			return fmt.Errorf("ledger: %w (outputs were written but the use is not logged)", err)
		}
		e.Inputs = append(e.Inputs, h)
	}
	for _, f := range outputs {
		h, err := ledger.HashFile(f[0], f[1])
		if err != nil {
			return fmt.Errorf("ledger: %w (outputs were written but the use is not logged)", err)
		}
		e.Outputs = append(e.Outputs, h)
	}
	h, err := ledger.Append(path, e, time.Now())
	if err != nil {
		return fmt.Errorf("%w (outputs were written but the use is not logged)", err)
	}
	if !global.quiet {
		fmt.Fprintf(stdout(cmd), "logged in %s as %s (keep this hash outside the linkage unit: pprl log verify --head)\n", filepath.Clean(path), h)
	}
	return nil
}
