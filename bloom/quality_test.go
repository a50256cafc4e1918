package bloom

import (
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHardeningQualityFEBRL4 measures what each hardening option costs in
// linkage quality on FEBRL4 (dataset4a against dataset4b, 5,000 true
// pairs): best F1 over thresholds of exhaustive Dice with greedy 1-1
// matching. It takes tens of seconds, so it runs only with PPRL_QUALITY=1:
//
//	PPRL_QUALITY=1 go test -run HardeningQuality -v ./bloom
func TestHardeningQualityFEBRL4(t *testing.T) {
	if os.Getenv("PPRL_QUALITY") != "1" {
		t.Skip("set PPRL_QUALITY=1 to measure hardening quality on FEBRL4")
	}
	dir := filepath.Join("..", "testdata", "febrl")
	a := readFEBRLRows(t, filepath.Join(dir, "clean", "dataset4a.csv"))
	b := readFEBRLRows(t, filepath.Join(dir, "clean", "dataset4b.csv"))
	truth := map[[2]int]bool{}
	for _, row := range readFEBRLRows(t, filepath.Join(dir, "truth", "febrl4_truth.csv")) {
		i, _ := strconv.Atoi(row[0])
		j, _ := strconv.Atoi(row[1])
		truth[[2]int{i, j}] = true
	}
	key := func(s string) []byte { k := sha256.Sum256([]byte("quality/" + s)); return k[:] }
	variants := []struct {
		name  string
		salt  bool
		bits  int
		folds int
		h     []Hardening
	}{
		{"plain (random hashing)", false, 1024, 0, nil},
		{"salt names with year of birth", true, 1024, 0, nil},
		{"balancing (keyed permutation)", false, 1024, 0, []Hardening{Balance(key("balance"))}},
		{"XOR-fold 1024→512", false, 512, 1, nil},
		{"BLIP f=0.02", false, 1024, 0, []Hardening{BLIP(key("blip"), 0.02)}},
		{"BLIP f=0.05", false, 1024, 0, []Hardening{BLIP(key("blip"), 0.05)}},
		{"BLIP f=0.10", false, 1024, 0, []Hardening{BLIP(key("blip"), 0.10)}},
		{"salt + balancing + BLIP f=0.02", true, 1024, 0, []Hardening{Balance(key("balance")), BLIP(key("blip"), 0.02)}},
	}
	var table []string
	table = append(table, "| hardening | best F1 | at Dice ≥ | precision | recall | F1 at Dice ≥ 0.8 |", "| --- | --- | --- | --- | --- | --- |")
	for _, v := range variants {
		cfg := febrlQualityConfig(key, v.salt)
		cfg.Bits, cfg.Folds, cfg.Hardening = v.bits, v.folds, v.h
		enc, err := NewEncoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ea, eb := encodeFEBRL(t, enc, a), encodeFEBRL(t, enc, b)
		ia, _ := NewIndex(enc.Bits(), ea)
		ib, _ := NewIndex(enc.Bits(), eb)
		pairs := ib.SearchIndex(ia, 0.5, nil)
		accepted := GreedyMatch(pairs) // score-descending
		bestF1, bestT, bestP, bestR := 0.0, 0.0, 0.0, 0.0
		tp, tp08, n08 := 0, 0, 0
		for k, p := range accepted {
			if truth[[2]int{p.A, p.B}] {
				tp++
			}
			if p.Score >= 0.8 {
				tp08, n08 = tp, k+1
			}
			// Thresholds fall between distinct scores.
			if k+1 < len(accepted) && accepted[k+1].Score == p.Score {
				continue
			}
			prec := float64(tp) / float64(k+1)
			rec := float64(tp) / float64(len(truth))
			if f1 := 2 * prec * rec / (prec + rec); f1 > bestF1 {
				bestF1, bestT, bestP, bestR = f1, p.Score, prec, rec
			}
		}
		f08 := 0.0
		if n08 > 0 && tp08 > 0 {
			p08, r08 := float64(tp08)/float64(n08), float64(tp08)/float64(len(truth))
			f08 = 2 * p08 * r08 / (p08 + r08)
		}
		table = append(table, fmt.Sprintf("| %s | %.4f | %.3f | %.4f | %.4f | %.4f |", v.name, bestF1, bestT, bestP, bestR, f08))
	}
	t.Log("FEBRL4 (5,000 × 5,000, exhaustive Dice, greedy 1-1):\n" + strings.Join(table, "\n"))
}

// febrlQualityConfig is a native-style encoding of the usual PPRL
// identifiers in FEBRL: given name and surname (bigrams), date of birth and
// postcode (positional unigrams), random hashing under a key per field.
// (With all eight FEBRL fields every variant reaches F1 = 1.0 and the
// costs do not show.)
func febrlQualityConfig(key func(string) []byte, salt bool) Config {
	type fd struct {
		col int
		tk  Tokenizer
		k   int
	}
	fields := []fd{
		{1, NGram{N: 2}, 20}, {2, NGram{N: 2}, 20},
		{9, NGram{N: 1, Positional: true}, 20}, {7, NGram{N: 1, Positional: true}, 20},
	}
	cfg := Config{Bits: 1024}
	for _, f := range fields {
		cfg.Fields = append(cfg.Fields, Field{Name: strconv.Itoa(f.col), Tokenizer: f.tk, Hash: RandomHashing(key(strconv.Itoa(f.col))),
			BitsPerToken: f.k, Salted: salt && (f.col == 1 || f.col == 2)})
	}
	return cfg
}

var febrlQualityCols = []int{1, 2, 9, 7}

func encodeFEBRL(t *testing.T, enc *Encoder, rows [][]string) [][]byte {
	out := make([][]byte, len(rows))
	vals := make([]string, len(febrlQualityCols))
	for r, row := range rows {
		for i, c := range febrlQualityCols {
			vals[i] = row[c]
		}
		salt := ""
		if len(row[9]) >= 4 {
			salt = row[9][:4]
		}
		f, err := enc.EncodeSalted(nil, vals, salt)
		if err != nil {
			t.Fatal(err)
		}
		out[r] = f
	}
	return out
}

func readFEBRLRows(t *testing.T, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("FEBRL data (testdata/febrl): %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}
