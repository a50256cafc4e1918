package keys

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pprl/pprl/internal/exitcode"
)

func TestWriteReadSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "project.key")
	s := NewSecret()
	if err := WriteSecret(path, s, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if len(raw) != 44 || raw[43] != '\n' {
		t.Fatalf("file is %d bytes %q..., want 43 base64url chars + newline", len(raw), raw[:4])
	}
	dec, err := base64.RawURLEncoding.DecodeString(string(raw[:43]))
	if err != nil || len(dec) != SecretBytes {
		t.Fatalf("not 32 bytes of base64url: %v", err)
	}
	got, err := ReadSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(s) {
		t.Fatal("ReadSecret differs from what was written")
	}
	// Overwrite is refused without force and allowed with it.
	err = WriteSecret(path, NewSecret(), false)
	if exitcode.Of(err) != exitcode.Input || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("overwrite: err = %v", err)
	}
	if err := WriteSecret(path, NewSecret(), true); err != nil {
		t.Fatal(err)
	}
	if got2, _ := ReadSecret(path); string(got2) == string(s) {
		t.Fatal("--force did not replace the secret")
	}
}

func TestNewSecretIsRandom(t *testing.T) {
	if string(NewSecret()) == string(NewSecret()) {
		t.Fatal("two secrets are equal")
	}
}

func TestReadSecretRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "does not exist"},
		{"empty", write("empty", "", 0o600), "is empty"},
		{"newline only", write("nl", "\n", 0o600), "is empty"},
		{"group readable", write("g", "abc\n", 0o640), "chmod 600"},
		{"other readable", write("o", "abc\n", 0o604), "chmod 600"},
		{"group writable", write("gw", "abc\n", 0o620), "chmod 600"},
		{"directory", dir, "not a regular file"},
		{"binary", write("bin", "PAR1\x00\xff\xfe", 0o600), "not a secret file"},
		{"public key", write("lu.pub", "age1pq1qqqqqqqq\n", 0o644), "public key, not the project secret"},
		{"private key", write("lu.key", "# created: 2026\n# public key: age1\nAGE-SECRET-KEY-PQ-1QQQ\n", 0o600), "private key, not the project secret"},
		{"too large", write("big", strings.Repeat("a", maxSecretFile+10), 0o600), "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTextSecret(tt.path)
			if err == nil {
				t.Fatal("accepted")
			}
			if exitcode.Of(err) != exitcode.Input {
				t.Errorf("exit code %d, want 2: %v", exitcode.Of(err), err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "abc") {
				t.Errorf("error leaks file content: %q", err)
			}
		})
	}
}

// TestReadSecretRefusesWeakSecrets: only what keygen secret writes is a
// project secret; errors never quote the file.
func TestReadSecretRefusesWeakSecrets(t *testing.T) {
	dir := t.TempDir()
	good := string(NewSecret())
	for name, content := range map[string]string{
		"three bytes":       "abc\n",
		"passphrase":        "correct horse battery staple\n",
		"two secrets":       good + "\n" + string(NewSecret()) + "\n",
		"two on one line":   good + good + "\n",
		"64 ASCII zeros":    strings.Repeat("0", 64) + "\n",
		"zero key":          base64.RawURLEncoding.EncodeToString(make([]byte, 32)) + "\n",
		"repeated pattern":  base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("ab", 16))) + "\n",
		"padded base64":     base64.URLEncoding.EncodeToString([]byte("0123456789abcdefghijklmnopqrstuv")) + "\n",
		"standard alphabet": strings.Replace(good, good[:1], "+", 1) + "\n",
		"42 characters":     good[:42] + "\n",
		"leading space":     " " + good[1:] + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, "k")
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadSecret(p)
			if err == nil {
				t.Fatal("accepted")
			}
			if exitcode.Of(err) != exitcode.Input || !strings.Contains(err.Error(), "pprl keygen secret") {
				t.Errorf("exit %d, %v: want an input error saying how to make a secret", exitcode.Of(err), err)
			}
			if c := strings.TrimSpace(content); strings.Contains(err.Error(), c[:min(len(c), 8)]) {
				t.Errorf("error quotes the file: %v", err)
			}
		})
	}
	p := filepath.Join(dir, "good")
	if err := WriteSecret(p, []byte(good), false); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadSecret(p); err != nil || string(got) != good {
		t.Errorf("a keygen secret: %q, %v", got, err)
	}
}

func TestReadTextSecretTrimsOneNewline(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]string{
		"s3cret":        "s3cret",
		"s3cret\n":      "s3cret",
		"s3cret\r\n":    "s3cret",
		"s3cret\n\n":    "s3cret\n",
		" s3cret \n":    " s3cret ",
		"multi\nline\n": "multi\nline",
	} {
		p := filepath.Join(dir, "k")
		os.WriteFile(p, []byte(content), 0o600)
		got, err := ReadTextSecret(p)
		if err != nil || string(got) != want {
			t.Errorf("%q: got %q, %v; want %q", content, got, err, want)
		}
	}
}

// TestSubkeyMatchesStdlibHKDF checks Subkey against the standard library's
// independent HKDF implementation with the contract's parameters.
func TestSubkeyMatchesStdlibHKDF(t *testing.T) {
	secret := []byte("correct horse battery staple")
	for _, purpose := range []string{"clk/field/surname", "token/T1", "fingerprint"} {
		want, err := hkdf.Key(sha256.New, secret, nil, "pprl/v1/"+purpose, 32)
		if err != nil {
			t.Fatal(err)
		}
		if got := Subkey(secret, purpose, 32); string(got) != string(want) {
			t.Errorf("%s: Subkey differs from crypto/hkdf", purpose)
		}
	}
	if string(Subkey(secret, "a", 32)) == string(Subkey(secret, "b", 32)) {
		t.Fatal("different purposes gave the same key")
	}
}

func TestFingerprint(t *testing.T) {
	fp := Fingerprint([]byte("correct horse battery staple"))
	if !regexp.MustCompile(`^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q is not XXXX-XXXX-XXXX-XXXX base32", fp)
	}
	// Golden value computed independently (Python hmac/hashlib, RFC 5869);
	// changing it changes every manifest ever written.
	const golden = "G3BS-E6H2-D7JR-VPFP"
	if fp != golden {
		t.Fatalf("fingerprint %q, want %q", fp, golden)
	}
	if Fingerprint([]byte("other")) == fp {
		t.Fatal("different secrets, same fingerprint")
	}
}

func TestGroup(t *testing.T) {
	for in, want := range map[string]string{"": "", "ABC": "ABC", "ABCD": "ABCD", "ABCDE": "ABCD-E", "ABCDEFGH": "ABCD-EFGH"} {
		if got := Group(in); got != want {
			t.Errorf("Group(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzReadSecret: whatever an owner-only secret file holds, ReadSecret and
// ReadTextSecret return without panicking, never quote it in an error, and
// accept only what they promise: ReadTextSecret the file's UTF-8 text less
// one line ending, ReadSecret a pprl secret (43 base64url characters of 256
// random-looking bits), which ReadTextSecret then reads the same.
func FuzzReadSecret(f *testing.F) {
	f.Add([]byte(base64.RawURLEncoding.EncodeToString(NewSecret()) + "\n"))
	f.Add([]byte(base64.RawURLEncoding.EncodeToString(NewSecret()) + "\r\n"))
	f.Add([]byte(base64.RawURLEncoding.EncodeToString(make([]byte, SecretBytes)) + "\n"))
	f.Add([]byte("correct horse battery staple\n"))
	f.Add([]byte("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"))
	f.Add([]byte("\n"))
	f.Add([]byte{0xff, 0xfe, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "project.key")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		quoted := func(err error) bool {
			s := bytes.TrimSpace(data)
			return len(s) >= 16 && strings.Contains(err.Error(), string(s))
		}
		text, terr := ReadTextSecret(p)
		if terr != nil {
			if quoted(terr) {
				t.Fatalf("ReadTextSecret's error quotes the file: %v", terr)
			}
		} else {
			want, crlf := bytes.CutSuffix(data, []byte("\r\n"))
			if !crlf {
				want = bytes.TrimSuffix(data, []byte("\n"))
			}
			if len(text) == 0 || !utf8.Valid(text) || bytes.IndexByte(text, 0) >= 0 || !bytes.Equal(text, want) {
				t.Fatalf("ReadTextSecret accepted %q as %q", data, text)
			}
		}
		secret, err := ReadSecret(p)
		if err != nil {
			if quoted(err) {
				t.Fatalf("ReadSecret's error quotes the file: %v", err)
			}
			return
		}
		raw, derr := base64.RawURLEncoding.Strict().DecodeString(string(secret))
		if len(secret) != 43 || derr != nil || len(raw) != SecretBytes || terr != nil || !bytes.Equal(secret, text) {
			t.Fatalf("ReadSecret accepted %q as %q", data, secret)
		}
	})
}
