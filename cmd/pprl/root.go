package main

import (
	"context"
	"fmt"
	"github.com/pprl/pprl/internal/buildinfo"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
)

// globalFlags are the flags every command accepts.
type globalFlags struct {
	quiet     bool
	logFormat string
}

var global globalFlags

// commands holds the constructors of every subcommand. Each command file
// registers its constructor in an init function, so commands stay independent
// of one another and of the root.
var commands []func() *cobra.Command

func register(newCmd func() *cobra.Command) { commands = append(commands, newCmd) }

// newRootCmd builds the pprl command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Version: buildinfo.Version(),
		Use:     "pprl",
		Short:   "Privacy-preserving record linkage with keyed Bloom-filter encodings",
		Long: `pprl links records about the same people across agencies without exchanging identities.

Each agency runs 'pprl tokenize' on site to turn names, dates of birth, sex, postcodes and
ID numbers into keyed encodings sealed to the linkage unit. The linkage unit runs 'pprl match'
across every agency's token file. Researchers receive pseudonymised cohorts ('pprl cohort').

Exit status: 0 success, 1 runtime failure, 2 usage or input error.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			switch global.logFormat {
			case "text", "json":
			default:
				return exitcode.Inputf("--log-format must be text or json, not %q", global.logFormat)
			}
			slog.SetDefault(newLogger(cmd.ErrOrStderr()))
			return nil
		},
	}
	root.PersistentFlags().BoolVarP(&global.quiet, "quiet", "q", false, "print only errors")
	root.PersistentFlags().StringVar(&global.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return exitcode.AsInput(fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath()))
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	explainArgs(root)
	return root
}

// explainArgs wraps every command's argument check so that a wrong number
// of arguments (cobra's bare "accepts 1 arg(s), received 4") also shows the
// command's usage line and where to read more: the usual cause is a flag
// given several values, such as --tokens a b instead of --tokens a
// --tokens b, or a glob that matched more files than expected.
func explainArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		c := cmd
		cmd.Args = func(cc *cobra.Command, args []string) error {
			if err := check(cc, args); err != nil {
				return exitcode.AsInput(fmt.Errorf("%w; usage: %s (see '%s --help')", err, c.UseLine(), c.CommandPath()))
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		explainArgs(sub)
	}
}

// newLogger returns the logger the global flags ask for, writing to w.
func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if global.quiet {
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if global.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// run executes pprl with args and returns the process exit status. It never
// panics on bad input: errors are printed as one line on stderr.
func run(args []string) int {
	global = globalFlags{}
	root := newRootCmd()
	root.SetArgs(args)
	processStdout = &checkedWriter{w: os.Stdout}
	err := root.ExecuteContext(context.Background())
	if err == nil && processStdout.err != nil {
		// What a command printed did not all arrive (a full disk, a closed
		// pipe): the run must not look like a success.
		err = fmt.Errorf("writing to standard output: %w", processStdout.err)
	}
	if err != nil {
		if isUsage(err) {
			err = exitcode.AsInput(err)
		}
		if msg, ok := exitcode.Describe(err); ok {
			fmt.Fprintf(os.Stderr, "pprl: %s\n", msg)
		} else {
			fmt.Fprintf(os.Stderr, "pprl: %v\n", err)
		}
	}
	return exitcode.Of(err)
}

// processStdout is the process's standard output for this run, keeping
// the first write error (see stdout).
var processStdout = &checkedWriter{w: os.Stdout}

// stdout is where a command prints its results: cmd's output when a test
// set one, else the process's standard output through a writer that keeps
// the first error, which run turns into a failure. (Setting it as the root
// command's output would also move cobra's notes for stderr onto stdout.)
func stdout(cmd *cobra.Command) io.Writer {
	if w := cmd.OutOrStdout(); w != os.Stdout {
		return w
	}
	return processStdout
}

// checkedWriter passes writes on to w and keeps the first error, which
// commands printing with fmt.Fprint* would otherwise drop.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}
