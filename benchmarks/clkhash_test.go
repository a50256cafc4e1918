package benchmarks

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/crypto/hkdf"

	"github.com/pprl/pprl/bloom"
	"github.com/pprl/pprl/tokenize"
)

// CLK encoding throughput on FEBRL (dataset4a, 5,000 records), per core,
// beside naive baselines in the same run:
//
//   - clkhash: a clkhash v3 schema of the usual FEBRL shape (doubleHash,
//     20 bits per token, bigrams for names and addresses, positional
//     unigrams for numbers) through tokenize's clkhash loader, against a
//     direct port of clkhash's algorithm that calls hmac.New for every
//     token and reduces with math/big (checked to give the same CLKs).
//   - native: five fields with keyed random hashing and year-of-birth
//     salting, against the same scheme with a fresh HMAC per block and no
//     position cache.
//
// rec/s is records per second of wall time on one goroutine; rec/cpu-s
// divides by the thread's CPU time (see perCore).

// febrlPath finds testdata/febrl/clean/NAME in the repository.
func febrlPath(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join("..", "testdata", "febrl", "clean", name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("FEBRL data not found at %s", p)
	}
	return p
}

func readFEBRL(tb testing.TB, name string) (header []string, rows [][]string) {
	tb.Helper()
	f, err := os.Open(febrlPath(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return all[0], all[1:]
}

// febrlClkhashSchema is a clkhash v3 schema for FEBRL's clean columns.
const febrlClkhashSchema = `{
  "version": 3,
  "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256",
    "salt": "SCbL2zHNnmsckfzchsNkZY9XoHk96P/G5nUBrM7ybymlEFsMV6PAeDZCNp3rfNUPCtLDMOGQHG4pCQpfhiHCyA==",
    "info": "c2NoZW1hX2V4YW1wbGU=", "keySize": 64}},
  "features": [
    {"identifier": "rec_id", "ignored": true},
    {"identifier": "given_name", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "surname", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "street_number", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "address_1", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "address_2", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "suburb", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "postcode", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "state", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "date_of_birth", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 20}}},
    {"identifier": "soc_sec_id", "format": {"type": "string"}, "hashing": {"hash": {"type": "doubleHash"}, "comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 20}}}
  ]
}`

var clkBenchSecret = []byte("benchmark secret: not for real use")

// naiveClkhash is the baseline: clkhash's doubleHash CLK written the
// obvious way (tokens as new strings, hmac.New per token, math/big mod).
type naiveClkhash struct {
	keys       [][2][]byte
	ngram      []int
	positional []bool
}

func newNaiveClkhash(tb testing.TB) *naiveClkhash {
	salt, _ := base64Std("SCbL2zHNnmsckfzchsNkZY9XoHk96P/G5nUBrM7ybymlEFsMV6PAeDZCNp3rfNUPCtLDMOGQHG4pCQpfhiHCyA==")
	info, _ := base64Std("c2NoZW1hX2V4YW1wbGU=")
	n := 11
	buf := make([]byte, n*2*64)
	if _, err := io.ReadFull(hkdf.New(sha256.New, clkBenchSecret, salt, info), buf); err != nil {
		tb.Fatal(err)
	}
	nc := &naiveClkhash{}
	grams := []int{0, 2, 2, 1, 2, 2, 2, 1, 2, 1, 1}
	for i := 0; i < n; i++ {
		nc.keys = append(nc.keys, [2][]byte{buf[2*i*64 : (2*i+1)*64], buf[(2*i+1)*64 : (2*i+2)*64]})
		nc.ngram = append(nc.ngram, grams[i])
		nc.positional = append(nc.positional, grams[i] == 1)
	}
	return nc
}

func (nc *naiveClkhash) encode(row []string) []byte {
	const l = 1024
	f := make([]byte, l/8)
	L := big.NewInt(l)
	for i, v := range row {
		if nc.ngram[i] == 0 || v == "" {
			continue
		}
		r := []rune(v)
		n := nc.ngram[i]
		if n > 1 {
			pad := []rune(" ")
			r = append(append(pad, r...), pad...)
		}
		for j := 0; j+n <= len(r); j++ {
			tok := string(r[j : j+n])
			if nc.positional[i] {
				tok = strconv.Itoa(j+1) + " " + tok
			}
			h1 := hmac.New(sha1.New, nc.keys[i][0])
			h1.Write([]byte(tok))
			h2 := hmac.New(md5.New, nc.keys[i][1])
			h2.Write([]byte(tok))
			a := new(big.Int).Mod(new(big.Int).SetBytes(h1.Sum(nil)), L).Int64()
			b := new(big.Int).Mod(new(big.Int).SetBytes(h2.Sum(nil)), L).Int64()
			for k := int64(0); k < 20; k++ {
				bloom.SetBit(f, int((a+k*b)%l))
			}
		}
	}
	return f
}

func BenchmarkCLKEncodeFEBRL(b *testing.B) {
	_, rows := readFEBRL(b, "dataset4a.csv")
	cs, err := tokenize.ParseClkhashSchema([]byte(febrlClkhashSchema))
	if err != nil {
		b.Fatal(err)
	}
	enc, err := cs.Encoder(clkBenchSecret)
	if err != nil {
		b.Fatal(err)
	}
	naive := newNaiveClkhash(b)
	for _, row := range rows[:200] { // the baseline computes the same CLKs
		got, err := enc.Encode(row)
		if err != nil {
			b.Fatal(err)
		}
		if string(got) != string(naive.encode(row)) {
			b.Fatal("naive baseline and clkhash loader disagree")
		}
	}
	b.Run("clkhash/naive", func(b *testing.B) {
		perRecord(b, len(rows), func() {
			for _, row := range rows {
				sinkN += len(naive.encode(row))
			}
		})
	})
	b.Run("clkhash/pprl", func(b *testing.B) {
		var dst []byte
		perRecord(b, len(rows), func() {
			for _, row := range rows {
				dst, err = enc.AppendEncode(dst[:0], row)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	})

	// Native: given name, surname (bigrams, salted by year of birth), date
	// of birth (positional unigrams), postcode and suburb (bigrams), each
	// under its own key with random hashing.
	cols := []int{1, 2, 9, 7, 6}
	k := []int{15, 15, 10, 10, 10}
	cfg := bloom.Config{Bits: 1024}
	for i, c := range cols {
		key := sha256.Sum256([]byte("field key " + strconv.Itoa(c)))
		tk := bloom.Tokenizer(bloom.NGram{N: 2})
		if c == 9 {
			tk = bloom.NGram{N: 1, Positional: true}
		}
		cfg.Fields = append(cfg.Fields, bloom.Field{Name: strconv.Itoa(c), Tokenizer: tk, Hash: bloom.RandomHashing(key[:]), BitsPerToken: k[i], Salted: i < 2})
	}
	native, err := bloom.NewEncoder(cfg)
	if err != nil {
		b.Fatal(err)
	}
	values := make([][]string, len(rows))
	salts := make([]string, len(rows))
	for r, row := range rows {
		for _, c := range cols {
			values[r] = append(values[r], row[c])
		}
		if len(row[9]) >= 4 {
			salts[r] = row[9][:4]
		}
	}
	b.Run("native/naive", func(b *testing.B) {
		perRecord(b, len(rows), func() {
			for r := range rows {
				sinkN += len(naiveNative(cfg, k, values[r], salts[r]))
			}
		})
	})
	b.Run("native/pprl", func(b *testing.B) {
		var dst []byte
		perRecord(b, len(rows), func() {
			for r := range rows {
				dst, _ = native.EncodeSalted(dst[:0], values[r], salts[r])
			}
		})
	})
}

// naiveNative is random hashing written plainly: a new HMAC for every
// block of every token, no cache.
func naiveNative(cfg bloom.Config, k []int, values []string, salt string) []byte {
	f := make([]byte, 128)
	for i, fl := range cfg.Fields {
		key := sha256.Sum256([]byte("field key " + fl.Name))
		var ts bloom.Tokens
		fl.Tokenizer.AppendTokens(&ts, values[i])
		for t := 0; t < ts.Len(); t++ {
			msg := ts.At(t)
			if fl.Salted {
				msg = append(append(binary.AppendUvarint(nil, uint64(len(salt))), salt...), msg...)
			}
			got := 0
			for c := uint32(0); got < k[i]; c++ {
				m := hmac.New(sha256.New, key[:])
				m.Write(binary.BigEndian.AppendUint32(nil, c))
				m.Write(msg)
				sum := m.Sum(nil)
				for j := 0; j+4 <= len(sum) && got < k[i]; j += 4 {
					bloom.SetBit(f, int(binary.LittleEndian.Uint32(sum[j:])%1024))
					got++
				}
			}
		}
	}
	return f
}

// perRecord is perCore for records: it reports rec/s and rec/cpu-s.
func perRecord(b *testing.B, perOp int, body func()) {
	perCoreUnit(b, perOp, "rec", body)
}

func base64Std(s string) ([]byte, error) {
	return bloom.DecodeBase64(s)
}
