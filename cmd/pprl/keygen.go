package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
	"github.com/pprl/pprl/internal/seal"
)

func init() { register(newKeygenCmd) }

func newKeygenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make the project secret or an age key pair for receiving sealed files, or fingerprint a key",
		Long: `keygen makes and checks the keys of a pprl project.

  pprl keygen secret -o project.key    the project secret (key custodian → agencies)
  pprl keygen unit -o lu               an age key pair: lu.key (private), lu.pub (public)
  pprl keygen fingerprint FILE         a short fingerprint to compare by phone

Key files are written with owner-only permissions (0600) and never overwritten
without --force. Every command that reads a private key refuses one that group or
others can read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exitcode.Inputf("keygen needs a subcommand: secret, unit or fingerprint (see 'pprl keygen --help')")
		},
	}
	cmd.AddCommand(newKeygenSecretCmd(), newKeygenUnitCmd(), newKeygenFingerprintCmd())
	return cmd
}

func newKeygenSecretCmd() *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "secret -o FILE",
		Short: "Write a new random 256-bit project secret to FILE (mode 0600)",
		Long: `secret writes a new project secret: 256 random bits as one line of base64url text, in a
file only its owner can read (mode 0600). The key custodian makes it once per project
and gives it to each agency out of band; the linkage unit never holds it.

It refuses to replace an existing file unless --force is given: token files made with
the old secret cannot be linked with ones made with a new one.`,
		Example: "  pprl keygen secret -o project.key\n  pprl keygen fingerprint project.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "-" {
				return exitcode.Inputf("-o -: a secret is written only to a file, never to standard output")
			}
			secret := keys.NewSecret()
			if err := keys.WriteSecret(out, secret, force); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(stdout(cmd), "wrote project secret %s (mode 0600)\nfingerprint: %s\n", out, keys.Fingerprint(secret))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write the secret to (required)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	cmd.MarkFlagRequired("output")
	return cmd
}

func newKeygenUnitCmd() *cobra.Command {
	var out string
	var force, classic bool
	cmd := &cobra.Command{
		Use:   "unit -o PREFIX",
		Short: "Write an age key pair for receiving sealed files: PREFIX.key (private, 0600) and PREFIX.pub",
		Long: `unit writes an age key pair for receiving sealed files: PREFIX.key, the private key
(mode 0600, never leaves its owner), and PREFIX.pub, the public key others seal files to.

  the linkage unit    pprl keygen unit -o lu: agencies seal token files to lu.pub
                      (pprl tokenize --seal-to lu.pub); match opens them with lu.key
  each agency         pprl keygen unit -o sw: the linkage unit seals that agency's cohort
                      map to sw.pub (pprl cohort --recipient social_work=sw.pub)

Keys are post-quantum hybrid (ML-KEM-768 + X25519) by default: records about children
stay sensitive for a lifetime, and sealed files could be stored now and decrypted by a
future quantum computer. --classic makes a plain X25519 key instead. Sealed files open
with the standard age tool (age 1.3 or later for hybrid keys): age -d -i PREFIX.key FILE.`,
		Example: "  pprl keygen unit -o lu\n  pprl keygen fingerprint lu.pub",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "-" || strings.HasSuffix(out, "/") {
				return exitcode.Inputf("-o takes a file name prefix such as 'lu' (writes lu.key and lu.pub)")
			}
			out = strings.TrimSuffix(strings.TrimSuffix(out, ".key"), ".pub")
			recipient, err := seal.GenerateUnit(out, !classic, force)
			if err != nil {
				return err
			}
			if !global.quiet {
				kind := "post-quantum hybrid (ML-KEM-768 + X25519)"
				if classic {
					kind = "classic X25519"
				}
				fmt.Fprintf(stdout(cmd), "wrote %s.key (private key, mode 0600: keep it; it opens files sealed to this key pair)\nwrote %s.pub (public key: give it to whoever seals files to you)\nkey type: %s\npublic key fingerprint: %s\n",
					out, out, kind, seal.Fingerprint(recipient))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file name prefix: writes PREFIX.key and PREFIX.pub (required)")
	cmd.Flags().BoolVar(&classic, "classic", false, "make a classic X25519 key instead of a post-quantum hybrid one")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files")
	cmd.MarkFlagRequired("output")
	return cmd
}

func newKeygenFingerprintCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fingerprint FILE",
		Short: "Print a short, non-reversible fingerprint of a project secret or an age key",
		Long: `fingerprint prints a short fingerprint (XXXX-XXXX-XXXX-XXXX) of a key file, so that two
parties can confirm by phone that they hold the same key without revealing it.

  project secret       the secret's fingerprint, as recorded in token file manifests
  PREFIX.pub           the public key's fingerprint (from 'pprl keygen unit')
  PREFIX.key           the fingerprint of its public key (equal to the .pub's)

Secret and private key files must be readable by their owner only.`,
		Example: "  pprl keygen fingerprint project.key\n  pprl keygen fingerprint lu.pub",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			line, err := fingerprintFile(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout(cmd), line)
			return nil
		},
	}
}

// fingerprintFile returns "FINGERPRINT  what" for a key file of any kind.
func fingerprintFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", exitcode.Inputf("key file %s does not exist", path)
		}
		return "", exitcode.AsInput(err)
	}
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	f.Close()
	switch seal.Sniff(head[:n]) {
	case seal.KindSealedFile:
		return "", exitcode.Inputf("%s is a sealed file, not a key", path)
	case seal.KindPublic:
		rs, err := seal.ReadRecipients(path)
		if err != nil {
			return "", err
		}
		if len(rs) != 1 {
			return "", exitcode.Inputf("%s holds %d public keys; a .pub file from 'pprl keygen unit' holds one", path, len(rs))
		}
		r := fmt.Sprint(rs[0])
		return fmt.Sprintf("%s  age public key (%s)", seal.Fingerprint(r), keyKind(r)), nil
	case seal.KindPrivate:
		ids, err := seal.ReadIdentities(path)
		if err != nil {
			return "", err
		}
		r := seal.RecipientString(ids[0])
		return fmt.Sprintf("%s  age private key; fingerprint of its public key (%s)", seal.Fingerprint(r), keyKind(r)), nil
	}
	secret, err := keys.ReadTextSecret(path)
	if err != nil {
		return "", err
	}
	if _, err := keys.ReadSecret(path); err != nil {
		// A clkhash secret (any text) has a fingerprint too, but pprl's own
		// linkage specs refuse it.
		return fmt.Sprintf("%s  text secret (clkhash schemas only; not a pprl project secret: make one with pprl keygen secret)", keys.Fingerprint(secret)), nil
	}
	return fmt.Sprintf("%s  project secret", keys.Fingerprint(secret)), nil
}

func keyKind(recipient string) string {
	if seal.IsHybrid(recipient) {
		return "post-quantum hybrid"
	}
	return "classic X25519"
}
