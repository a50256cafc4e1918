package audit

// A test-only CLK encoder with the hardening variants the audit measures.
// It is deliberately independent of package bloom's encoder, so the attack
// is developed against the textbook construction: per-field HMAC keys,
// padded bigrams, k positions per bigram in one shared filter.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/pprl/pprl/bloom"
)

type person struct {
	forename, surname, dob string // dob as YYYYMMDD
}

// encoding is one encoding setting.
type encoding struct {
	name       string
	bits       int     // filter length (after folding / balancing)
	k          int     // positions per q-gram
	double     bool    // double hashing (h1 + i·h2) instead of random hashing
	noDOB      bool    // leave the date of birth out of the filter
	saltYear   bool    // salt name q-grams with the year of birth
	xorFold    bool    // encode at 2·bits, XOR the halves
	balance    bool    // append the complement, keyed permutation (2·bits/2 each)
	blip       float64 // flip each bit with this probability (randomised response)
	diffusionT int     // keyed diffusion with t inputs per output bit (0: none)
}

func fieldKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("test/" + purpose))
	return m.Sum(nil)
}

// setQGrams sets the k positions of every q-gram of value in f (length m).
func (e encoding) setQGrams(f []byte, m int, key []byte, value, salt string) {
	for _, g := range qgrams(value, 2, true) {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(g + salt))
		sum := mac.Sum(nil)
		if e.double {
			h1 := binary.BigEndian.Uint64(sum[:8])
			h2 := binary.BigEndian.Uint64(sum[8:16])
			for i := 0; i < e.k; i++ {
				p := (h1 + uint64(i)*h2) % uint64(m)
				f[p/8] |= 0x80 >> (p % 8)
			}
			continue
		}
		for i := 0; i < e.k; i++ {
			mac := hmac.New(sha256.New, key)
			mac.Write(sum)
			mac.Write([]byte{byte(i)})
			p := binary.BigEndian.Uint64(mac.Sum(nil)) % uint64(m)
			f[p/8] |= 0x80 >> (p % 8)
		}
	}
}

// encodeAll encodes people under secret and returns contiguous filters of
// e.bits/8 bytes each.
func (e encoding) encodeAll(tb testing.TB, secret []byte, people []person) []byte {
	m := e.bits
	if e.xorFold {
		m *= 2
	}
	if e.balance {
		m /= 2
	}
	kf, ks, kd := fieldKey(secret, "forename"), fieldKey(secret, "surname"), fieldKey(secret, "dob")
	var diff *bloom.Diffusion
	if e.diffusionT > 0 {
		var err error
		diff, err = bloom.NewDiffusion(fieldKey(secret, "diffusion"), e.bits, e.bits, e.diffusionT)
		if err != nil {
			tb.Fatal(err)
		}
	}
	var perm []int
	if e.balance {
		r := rand.New(rand.NewChaCha8([32]byte(fieldKey(secret, "balance"))))
		perm = r.Perm(e.bits)
	}
	flip := rand.New(rand.NewPCG(7, 11))
	out := make([]byte, len(people)*e.bits/8)
	f := make([]byte, m/8)
	tmp := make([]byte, e.bits/8)
	for i, p := range people {
		clear(f)
		salt := ""
		if e.saltYear && len(p.dob) >= 4 {
			salt = "|" + p.dob[:4]
		}
		e.setQGrams(f, m, kf, p.forename, salt)
		e.setQGrams(f, m, ks, p.surname, salt)
		if !e.noDOB {
			e.setQGrams(f, m, kd, p.dob, "")
		}
		dst := out[i*e.bits/8 : (i+1)*e.bits/8]
		switch {
		case e.xorFold:
			for j := range dst {
				dst[j] = f[j] ^ f[j+len(dst)]
			}
		case e.balance:
			for j := 0; j < e.bits; j++ {
				src := perm[j]
				bit := f[src%(m)/8] >> (7 - src%m%8) & 1
				if src >= m {
					bit ^= 1
				}
				dst[j/8] |= bit << (7 - j%8)
			}
		default:
			copy(dst, f)
		}
		if e.blip > 0 {
			for j := 0; j < e.bits; j++ {
				if flip.Float64() < e.blip {
					dst[j/8] ^= 0x80 >> (j % 8)
				}
			}
		}
		if diff != nil {
			diff.Apply(tmp, dst)
			copy(dst, tmp)
		}
	}
	return out
}

// loadTestList reads one of the FEBRL-derived name lists in testdata.
func loadTestList(tb testing.TB, name string) *NameList {
	f, err := os.Open("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	l, err := ReadNameList(f)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// synthPeople draws n people from the name lists' frequencies (the
// "population"), with dates of birth uniform over 1950–2009.
func synthPeople(n int, seed uint64, fl, sl *NameList) []person {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	draw := func(l *NameList) func() string {
		cum := make([]int64, l.Len())
		var t int64
		for i, c := range l.Counts {
			t += c
			cum[i] = t
		}
		return func() string {
			x := r.Int64N(t)
			lo, hi := 0, len(cum)-1
			for lo < hi {
				mid := (lo + hi) / 2
				if cum[mid] > x {
					hi = mid
				} else {
					lo = mid + 1
				}
			}
			return l.Names[lo]
		}
	}
	df, ds := draw(fl), draw(sl)
	people := make([]person, n)
	for i := range people {
		y, mo, d := 1950+r.IntN(60), 1+r.IntN(12), 1+r.IntN(28)
		people[i] = person{df(), ds(), string([]byte{
			byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10),
			byte('0' + mo/10), byte('0' + mo%10), byte('0' + d/10), byte('0' + d%10)})}
	}
	return people
}

func truthOf(people []person) *Truth {
	t := &Truth{Forenames: make([]string, len(people)), Surnames: make([]string, len(people))}
	for i, p := range people {
		t.Forenames[i], t.Surnames[i] = p.forename, p.surname
	}
	return t
}

// DefaultHardening is the native default this package's measurements chose
// (see measure_test.go and the README table).
func DefaultHardening() encoding {
	return encoding{name: "DEFAULT: salt year + diffusion t=8, k=8", bits: 1024, k: 8, diffusionT: 8, saltYear: true}
}
