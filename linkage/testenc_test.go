package linkage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
)

// This file is a small CLK and token encoder used only by tests, so that
// the matcher can be tested on FEBRL without the tokenize package. It is
// not the product's encoder.

type testField struct {
	name       string
	k          int  // positions per token
	positional bool // positional unigrams instead of bigrams
	exact      bool
}

var febrlFields = []testField{
	{name: "given_name", k: 15},
	{name: "surname", k: 15},
	{name: "street_number", k: 8, exact: true},
	{name: "address_1", k: 6},
	{name: "suburb", k: 6},
	{name: "postcode", k: 6, positional: true},
	{name: "date_of_birth", k: 8, positional: true},
	{name: "soc_sec_id", k: 4, positional: true},
}

func testTokens(v string, f testField) []string {
	if v == "" {
		return nil
	}
	if f.exact {
		return []string{v}
	}
	r := []rune(v)
	var out []string
	if f.positional {
		for i, c := range r {
			out = append(out, strconv.Itoa(i)+" "+string(c))
		}
		return out
	}
	p := append(append([]rune{' '}, r...), ' ')
	for i := 0; i+2 <= len(p); i++ {
		out = append(out, string(p[i:i+2]))
	}
	return out
}

// encodeTestRecord sets the CLK bits of one record (1024 bits).
func encodeTestRecord(clk []byte, fields []testField, values map[string]string, secret string) {
	for _, f := range fields {
		for _, tok := range testTokens(values[f.name], f) {
			m := hmac.New(sha256.New, []byte(secret+"/"+f.name))
			m.Write([]byte(tok))
			sum := m.Sum(nil)
			for j := 0; j < f.k; j++ {
				if 2*(j%16)+2 > len(sum) || j == 16 {
					m.Write([]byte{byte(j)})
					sum = m.Sum(nil)
				}
				p := binary.BigEndian.Uint16(sum[2*(j%16):]) % 1024
				clk[p>>3] |= 0x80 >> (p & 7)
			}
		}
	}
}

func testToken(secret, rule string, parts ...string) ([]byte, bool) {
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
	}
	m := hmac.New(sha256.New, []byte(secret+"/token/"+rule))
	m.Write([]byte(strings.Join(parts, "|")))
	return m.Sum(nil), true
}

// febrlRules are the deterministic rules of the test encoder.
var febrlRules = []string{"t1", "t2", "t3"}

func febrlRuleParts(v map[string]string) [][]string {
	initial := ""
	if v["given_name"] != "" {
		initial = v["given_name"][:1]
	}
	return [][]string{
		{v["surname"], initial, v["date_of_birth"]},
		{v["soc_sec_id"], v["date_of_birth"]},
		{v["given_name"], v["surname"], v["postcode"]},
	}
}

// datasetFromRows encodes rows (maps of field → value) into a Dataset.
func datasetFromRows(name string, ids []string, rows []map[string]string, secret string) *Dataset {
	n := len(rows)
	d := &Dataset{Name: name, RecordIDs: ids, Width: 128, CLKs: make([]byte, n*128), Rules: febrlRules,
		SchemaFingerprint: "test-schema", SecretFingerprint: "TEST-TEST-TEST-TEST"}
	for range febrlRules {
		d.Tokens = append(d.Tokens, make([]byte, n*TokenBytes))
		d.Valid = append(d.Valid, make([]bool, n))
	}
	for i, v := range rows {
		encodeTestRecord(d.CLKs[i*128:(i+1)*128], febrlFields, v, secret)
		for r, parts := range febrlRuleParts(v) {
			if t, ok := testToken(secret, febrlRules[r], parts...); ok {
				copy(d.Tokens[r][i*TokenBytes:(i+1)*TokenBytes], t)
				d.Valid[r][i] = true
			}
		}
	}
	return d
}

// loadFEBRL reads a FEBRL CSV into a Dataset encoded with the test encoder.
func loadFEBRL(t testing.TB, path, name string) *Dataset {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("FEBRL data (testdata/febrl): %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	var ids []string
	var rows []map[string]string
	for _, rec := range recs[1:] {
		v := map[string]string{}
		for j, h := range head {
			v[h] = strings.TrimSpace(rec[j])
		}
		ids = append(ids, v["rec_id"])
		rows = append(rows, v)
	}
	return datasetFromRows(name, ids, rows, "test secret")
}

const febrlDir = "../testdata/febrl/"

// febrl4 returns FEBRL4's two datasets and the true pairs (row indices).
func febrl4(t testing.TB) (*Dataset, *Dataset, map[[2]uint32]bool) {
	a := loadFEBRL(t, febrlDir+"clean/dataset4a.csv", "a")
	b := loadFEBRL(t, febrlDir+"clean/dataset4b.csv", "b")
	f, err := os.Open(febrlDir + "truth/febrl4_truth.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	truth := map[[2]uint32]bool{}
	for _, r := range recs[1:] {
		i, _ := strconv.Atoi(r[0])
		j, _ := strconv.Atoi(r[1])
		truth[[2]uint32{uint32(i), uint32(j)}] = true
	}
	return a, b, truth
}
