// Command writetokens writes a token file with pprl's tokenfile writer, plus
// a JSON file of what a reader should find in it, for the DuckDB interop
// check (internal/interop/run.sh).
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/pprl/pprl/internal/tokenfile"
)

// Expect is what check.mjs verifies.
type Expect struct {
	Rows       int            `json:"rows"`
	CLKBytes   int            `json:"clk_bytes"`
	TokenBytes int            `json:"token_bytes"`
	Rules      []string       `json:"rules"`
	Attributes []string       `json:"attributes"`
	NullTokens map[string]int `json:"null_tokens"` // per column
	NullAttrs  map[string]int `json:"null_attrs"`
	FirstID    string         `json:"first_id"`
	FirstCLK   string         `json:"first_clk_hex"`
	FirstT1    string         `json:"first_tok_t1_hex"`
}

func main() {
	out := flag.String("o", "", "token file to write")
	expect := flag.String("expect", "", "JSON file of expectations to write")
	n := flag.Int("n", 5000, "rows")
	flag.Parse()
	if err := run(*out, *expect, *n); err != nil {
		fmt.Fprintln(os.Stderr, "writetokens:", err)
		os.Exit(1)
	}
}

func run(out, expectPath string, n int) error {
	m := tokenfile.Manifest{
		Dataset: "social_work", SchemaFingerprint: "interop", SecretFingerprint: "AAAA-BBBB-CCCC-DDDD",
		Encoding: "native", CLKBits: 1024, Rules: []string{"t1", "t2", "t3", "t4"},
		Attributes: []string{"birth_year_band", "sex"}, Created: "2026-01-01T00:00:00Z",
	}
	w, err := tokenfile.Create(out, m, tokenfile.WriterOptions{RowGroupRows: 2000})
	if err != nil {
		return err
	}
	defer w.Abort()
	exp := Expect{Rows: n, CLKBytes: 128, TokenBytes: tokenfile.TokenBytes, Rules: m.Rules, Attributes: m.Attributes,
		NullTokens: map[string]int{}, NullAttrs: map[string]int{}}
	const batch = 700
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		b := &tokenfile.Batch{Tokens: make([][]byte, 4), TokenValid: make([][]bool, 4), Attributes: make([][]string, 2)}
		for i := lo; i < hi; i++ {
			id := fmt.Sprintf("SW%07d", i)
			b.RecordIDs = append(b.RecordIDs, id)
			for k := 0; k < 4; k++ {
				h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte{byte(k)}, uint32(i)))
				b.CLKs = append(b.CLKs, h[:]...)
			}
			for r := 0; r < 4; r++ {
				h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte{byte(10 + r)}, uint32(i)))
				valid := !(r == 1 && i%3 == 0) && !(r == 3 && i%5 == 0)
				if !valid {
					exp.NullTokens["tok_"+m.Rules[r]]++
				}
				b.Tokens[r] = append(b.Tokens[r], h[:tokenfile.TokenBytes]...)
				b.TokenValid[r] = append(b.TokenValid[r], valid)
			}
			band := fmt.Sprintf("%d-%d", 2000+5*(i%4), 2004+5*(i%4))
			if i%11 == 0 {
				band = ""
				exp.NullAttrs["attr_birth_year_band"]++
			}
			b.Attributes[0] = append(b.Attributes[0], band)
			b.Attributes[1] = append(b.Attributes[1], []string{"female", "male"}[i%2])
		}
		if lo == 0 {
			exp.FirstID = b.RecordIDs[0]
			exp.FirstCLK = hex.EncodeToString(b.CLKs[:128])
			exp.FirstT1 = hex.EncodeToString(b.Tokens[0][:tokenfile.TokenBytes])
		}
		if err := w.Write(b); err != nil {
			return err
		}
	}
	exp.NullAttrs["attr_sex"] = 0
	if err := w.Close(tokenfile.Rows{Read: int64(n), Encoded: int64(n)}); err != nil {
		return err
	}
	js, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(expectPath, js, 0o644)
}
