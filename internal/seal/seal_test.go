package seal

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
)

// unit makes a key pair in a temp dir and returns its prefix.
func unit(t *testing.T, hybrid bool) string {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "lu")
	if _, err := GenerateUnit(prefix, hybrid, false); err != nil {
		t.Fatal(err)
	}
	return prefix
}

func sealBytes(t *testing.T, pub string, plain []byte) []byte {
	t.Helper()
	rs, err := ReadRecipients(pub)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := Seal(&buf, rs)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	plain := bytes.Repeat([]byte("0123456789abcdef"), 20000) // several 64 KiB chunks
	for _, hybrid := range []bool{true, false} {
		name := map[bool]string{true: "hybrid", false: "classic"}[hybrid]
		t.Run(name, func(t *testing.T) {
			prefix := unit(t, hybrid)
			pub, _ := os.ReadFile(prefix + ".pub")
			if got := IsHybrid(strings.TrimSpace(string(pub))); got != hybrid {
				t.Fatalf("IsHybrid = %v", got)
			}
			fi, _ := os.Stat(prefix + ".key")
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("key mode %04o", fi.Mode().Perm())
			}
			sealed := sealBytes(t, prefix+".pub", plain)
			if !IsSealed(sealed) {
				t.Fatal("IsSealed false on sealed data")
			}
			if bytes.Contains(sealed, plain[:64]) {
				t.Fatal("plaintext visible in sealed output")
			}
			ids, err := ReadIdentities(prefix + ".key")
			if err != nil {
				t.Fatal(err)
			}
			if RecipientString(ids[0]) != strings.TrimSpace(string(pub)) {
				t.Fatal("private key's recipient differs from .pub")
			}
			r, err := Open(bytes.NewReader(sealed), ids)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("Open round trip failed: %v", err)
			}
			ra, n, err := OpenReaderAt(bytes.NewReader(sealed), int64(len(sealed)), ids)
			if err != nil || n != int64(len(plain)) {
				t.Fatalf("OpenReaderAt: n=%d err=%v", n, err)
			}
			part := make([]byte, 1000)
			if _, err := ra.ReadAt(part, 100000); err != nil || !bytes.Equal(part, plain[100000:101000]) {
				t.Fatalf("ReadAt: %v", err)
			}
			// The standard age implementation, given the key file exactly as
			// the age CLI reads it (age.ParseIdentities), opens the file.
			keyFile, _ := os.Open(prefix + ".key")
			defer keyFile.Close()
			stdIDs, err := age.ParseIdentities(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			sr, err := age.Decrypt(bytes.NewReader(sealed), stdIDs...)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := io.ReadAll(sr); !bytes.Equal(got, plain) {
				t.Fatal("age.Decrypt round trip failed")
			}
		})
	}
}

// TestAgeCLI opens sealed files with the standard age command, when one is
// installed (.ci/run installs age v1.3.2 with go install; age ≥ 1.3 is needed
// for hybrid keys). The module's go.sum lacks the CLI's extra dependencies,
// so the test cannot build it itself; TestRoundTrip covers the same
// decryption code through the library.
func TestAgeCLI(t *testing.T) {
	agePath, err := exec.LookPath("age")
	if err != nil {
		if home, _ := os.UserHomeDir(); home != "" {
			if _, err2 := os.Stat(filepath.Join(home, "go", "bin", "age")); err2 == nil {
				agePath, err = filepath.Join(home, "go", "bin", "age"), nil
			}
		}
	}
	if err != nil {
		if os.Getenv("PPRL_REQUIRE_TOOLS") != "" {
			t.Fatal("age CLI not installed: make deps installs it (go install filippo.io/age/cmd/age@v1.3.2)")
		}
		t.Skip("age CLI not installed (go install filippo.io/age/cmd/age@v1.3.2; make test does)")
	}
	ver, _ := exec.Command(agePath, "--version").Output()
	oldAge := regexp.MustCompile(`^v?(0\.|1\.[0-2]\.)`).Match(ver)
	t.Logf("age %s", strings.TrimSpace(string(ver)))
	plain := []byte("token file bytes\n")
	for _, hybrid := range []bool{false, true} {
		prefix := unit(t, hybrid)
		sealed := filepath.Join(filepath.Dir(prefix), "x.age")
		os.WriteFile(sealed, sealBytes(t, prefix+".pub", plain), 0o644)
		out, err := exec.Command(agePath, "-d", "-i", prefix+".key", sealed).Output()
		if err != nil {
			if hybrid && oldAge {
				t.Logf("installed age cannot open hybrid keys (needs age ≥ 1.3): %v", err)
				continue
			}
			t.Fatalf("age -d: %v", err)
		}
		if !bytes.Equal(out, plain) {
			t.Fatalf("age -d output differs (hybrid=%v)", hybrid)
		}
	}
}

func isInput(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", want)
	}
	if exitcode.Of(err) != exitcode.Input {
		t.Errorf("exit code %d, want 2: %v", exitcode.Of(err), err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestWrongRecipient(t *testing.T) {
	a, b := unit(t, true), unit(t, true)
	sealed := sealBytes(t, a+".pub", []byte("secret stuff"))
	ids, err := ReadIdentities(b + ".key")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(bytes.NewReader(sealed), ids)
	isInput(t, err, "different recipient")
	if !errors.Is(err, ErrWrongRecipient) {
		t.Fatal("not ErrWrongRecipient")
	}
	_, _, err = OpenReaderAt(bytes.NewReader(sealed), int64(len(sealed)), ids)
	if !errors.Is(err, ErrWrongRecipient) {
		t.Fatalf("OpenReaderAt: %v", err)
	}
}

func TestTruncatedAndCorrupt(t *testing.T) {
	prefix := unit(t, false)
	plain := bytes.Repeat([]byte("x"), 200000)
	sealed := sealBytes(t, prefix+".pub", plain)
	ids, _ := ReadIdentities(prefix + ".key")
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-100] ^= 1
	cases := map[string][]byte{
		"truncated payload": sealed[:len(sealed)-1000],
		"truncated header":  sealed[:30],
		"flipped byte":      flipped,
		"not age":           []byte("PAR1 this is not sealed"),
		"empty":             nil,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(data), ids)
			if err == nil {
				_, err = io.ReadAll(r)
			}
			isInput(t, err, "truncated or corrupt")
			_, _, err = OpenReaderAt(bytes.NewReader(data), int64(len(data)), ids)
			isInput(t, err, "truncated or corrupt")
		})
	}
}

func TestSealMixedRecipientsRefused(t *testing.T) {
	h, c := unit(t, true), unit(t, false)
	rh, _ := ReadRecipients(h + ".pub")
	rc, _ := ReadRecipients(c + ".pub")
	_, err := Seal(io.Discard, append(rh, rc...))
	isInput(t, err, "incompatible")
	_, err = Seal(io.Discard, nil)
	isInput(t, err, "no recipients")
}

func TestKeyFileErrors(t *testing.T) {
	prefix := unit(t, true)
	dir := filepath.Dir(prefix)
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		os.Chmod(p, mode)
		return p
	}
	secretish := "QmFzZTY0U2VjcmV0VmFsdWVUaGF0TXVzdE5vdExlYWs\n"
	malformedPub := write("bad.pub", "age1notarealkeyatall\n", 0o644)
	garbagePub := write("secret.pub", secretish, 0o644)
	garbageKey := write("secret.key", secretish, 0o600)
	loose := write("loose.key", "x", 0o600)
	keyBytes, _ := os.ReadFile(prefix + ".key")
	os.WriteFile(loose, keyBytes, 0o644)
	os.Chmod(loose, 0o644)

	_, err := ReadRecipients(filepath.Join(dir, "missing.pub"))
	isInput(t, err, "does not exist")
	_, err = ReadRecipients(malformedPub)
	isInput(t, err, "not an age public key")
	_, err = ReadRecipients(garbagePub)
	isInput(t, err, "not an age public key")
	_, err = ReadRecipients(prefix + ".key")
	isInput(t, err, "is a private key")

	_, err = ReadIdentities(filepath.Join(dir, "missing.key"))
	isInput(t, err, "does not exist")
	_, err = ReadIdentities(loose)
	isInput(t, err, "chmod 600")
	_, err = ReadIdentities(garbageKey)
	isInput(t, err, "not an age private key")
	_, err = ReadIdentities(prefix + ".pub") // 0644, but named as a public key
	isInput(t, err, "is a public key")
	os.Chmod(prefix+".pub", 0o600)
	_, err = ReadIdentities(prefix + ".pub")
	isInput(t, err, "is a public key")
	for _, e := range []error{err} {
		if strings.Contains(e.Error(), "QmFz") {
			t.Fatal("error leaks key content")
		}
	}
	_, err = ReadIdentities(garbageKey)
	if strings.Contains(err.Error(), "QmFz") {
		t.Fatal("error leaks key content")
	}
}

func TestGenerateUnitRefusesOverwrite(t *testing.T) {
	prefix := unit(t, false)
	old, _ := os.ReadFile(prefix + ".key")
	_, err := GenerateUnit(prefix, false, false)
	isInput(t, err, "--force")
	if now, _ := os.ReadFile(prefix + ".key"); !bytes.Equal(now, old) {
		t.Fatal("key replaced without force")
	}
	if _, err := GenerateUnit(prefix, true, true); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(prefix + ".key"); bytes.Equal(now, old) {
		t.Fatal("key not replaced with force")
	}
}

func TestSniffAndFingerprint(t *testing.T) {
	for in, want := range map[string]Kind{
		"# created\n# public key: age1x\nAGE-SECRET-KEY-1ABC\n": KindPrivate,
		"age1pq1abc\n":                KindPublic,
		"age-encryption.org/v1\n-> X": KindSealedFile,
		"c2VjcmV0\n":                  KindUnknown,
		"":                            KindUnknown,
	} {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
	fp := Fingerprint("age1abc")
	if !regexp.MustCompile(`^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$`).MatchString(fp) || fp == Fingerprint("age1abd") {
		t.Fatalf("bad fingerprint %q", fp)
	}
}

// FuzzReadKeyFiles parses arbitrary key files: errors must be input errors
// and never quote the file's content.
func FuzzReadKeyFiles(f *testing.F) {
	f.Add([]byte("age1pq1zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n"))
	f.Add([]byte("# created\nAGE-SECRET-KEY-1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ\n"))
	f.Add([]byte("age-encryption.org/v1\n"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "k")
		os.WriteFile(p, data, 0o600)
		for _, read := range []func(string) error{
			func(p string) error { _, err := ReadRecipients(p); return err },
			func(p string) error { _, err := ReadIdentities(p); return err },
		} {
			err := read(p)
			if err == nil {
				continue
			}
			if exitcode.Of(err) != exitcode.Input {
				t.Fatalf("not an input error: %v", err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				keyish := strings.HasPrefix(line, "age1") || strings.HasPrefix(line, "AGE-SECRET-KEY")
				if keyish && len(line) >= 12 && strings.Contains(err.Error(), line) {
					t.Fatalf("error quotes the key file: %v", err)
				}
			}
		}
		Sniff(data)
	})
}
