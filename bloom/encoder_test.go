package bloom

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func nameConfig(h ...Hardening) Config {
	return Config{
		Bits: 1024,
		Fields: []Field{
			{Name: "given", Tokenizer: NGram{N: 2}, Hash: RandomHashing(testKey), BitsPerToken: 15, Salted: true},
			{Name: "surname", Tokenizer: NGram{N: 2}, Hash: RandomHashing(append([]byte("s"), testKey...)), BitsPerFeature: 200},
			{Name: "sex", Tokenizer: Exact{}, Hash: RandomHashing(append([]byte("x"), testKey...)), BitsPerToken: 10},
		},
		Hardening: h,
	}
}

func mustEncoder(t testing.TB, cfg Config) *Encoder {
	t.Helper()
	e, err := NewEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRandomHashingPositions(t *testing.T) {
	for _, bits := range []int{64, 1000, 1024, 3000} {
		h, err := RandomHashing(testKey).NewHasher(bits)
		if err != nil {
			t.Fatal(err)
		}
		pos := h.AppendPositions(nil, []byte("ab"), 40)
		if len(pos) != 40 {
			t.Fatalf("%d positions", len(pos))
		}
		for _, p := range pos {
			if int(p) >= bits {
				t.Fatalf("position %d ≥ %d", p, bits)
			}
		}
		again := h.AppendPositions(nil, []byte("ab"), 40)
		if !equalU32(pos, again) {
			t.Fatal("positions are not deterministic")
		}
		other, _ := RandomHashing(append([]byte("z"), testKey...)).NewHasher(bits)
		if equalU32(pos, other.AppendPositions(nil, []byte("ab"), 40)) {
			t.Fatal("a different key gives the same positions")
		}
	}
	if _, err := RandomHashing([]byte("short")).NewHasher(1024); err == nil {
		t.Fatal("short key accepted")
	}
}

// TestRandomHashingUniform is a coarse chi-square test that positions for
// a non-power-of-two length are uniform (the rejection step removes the
// bias of a plain mod).
func TestRandomHashingUniform(t *testing.T) {
	const bits = 1000
	h, _ := RandomHashing(testKey).NewHasher(bits)
	counts := make([]int, bits)
	var pos []uint32
	tok := []byte{0, 0}
	for i := 0; i < 20000; i++ {
		tok[0], tok[1] = byte(i), byte(i>>8)
		pos = h.AppendPositions(pos[:0], tok, 10)
		for _, p := range pos {
			counts[p]++
		}
	}
	exp := 200000.0 / bits
	chi := 0.0
	for _, c := range counts {
		chi += (float64(c) - exp) * (float64(c) - exp) / exp
	}
	// 999 degrees of freedom: mean 999, sd ≈ 44.7; 1250 is > 5 sd.
	if chi > 1250 {
		t.Fatalf("chi-square %v", chi)
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDoubleHashingSingularity(t *testing.T) {
	// With bits = 1 every b is 0 and prevent_singularity would loop
	// forever: refused. With bits = 2 half the tokens need the retry.
	if _, err := DoubleHashing([]byte("a"), []byte("b"), true).NewHasher(1); err == nil {
		t.Fatal("1-bit filter accepted with prevent_singularity")
	}
	h2, _ := DoubleHashing([]byte("a"), []byte("b"), true).NewHasher(2)
	for i := 0; i < 50; i++ {
		pos := h2.AppendPositions(nil, []byte{byte(i)}, 2)
		if pos[0] == pos[1] {
			t.Fatalf("token %d: singular positions %v", i, pos)
		}
	}
	h, _ := DoubleHashing([]byte("a"), []byte("b"), false).NewHasher(1024)
	pos := h.AppendPositions(nil, []byte("x"), 5)
	d := (pos[1] + 1024 - pos[0]) % 1024
	for j := 1; j < 5; j++ {
		if (pos[j]+1024-pos[j-1])%1024 != d {
			t.Fatalf("positions %v are not an arithmetic progression", pos)
		}
	}
}

func TestBlakeHashingNeedsPowerOfTwo(t *testing.T) {
	if _, err := BlakeHashing(testKey).NewHasher(1000); err == nil {
		t.Fatal("blakeHash accepted 1000 bits")
	}
	h, err := BlakeHashing(testKey).NewHasher(1024)
	if err != nil {
		t.Fatal(err)
	}
	if pos := h.AppendPositions(nil, []byte("x"), 70); len(pos) != 70 {
		t.Fatalf("%d positions", len(pos))
	}
}

func TestEncoderBitsPerFeature(t *testing.T) {
	// 5 tokens, 12 bits: k = 3,3,2,2,2. With a recording hasher we can see
	// the ks.
	rec := &recordingScheme{}
	e := mustEncoder(t, Config{Bits: 64, Fields: []Field{{Name: "f", Tokenizer: NGram{N: 1}, Hash: rec, BitsPerFeature: 12}}})
	if _, err := e.Encode(nil, []string{"abcde"}); err != nil {
		t.Fatal(err)
	}
	want := []int{3, 3, 2, 2, 2}
	if len(rec.h.ks) != len(want) {
		t.Fatalf("ks %v", rec.h.ks)
	}
	for i := range want {
		if rec.h.ks[i] != want[i] {
			t.Fatalf("ks %v want %v", rec.h.ks, want)
		}
	}
	// 3 bits over 5 tokens: the last two get 0 and are not hashed.
	rec2 := &recordingScheme{}
	e = mustEncoder(t, Config{Bits: 64, Fields: []Field{{Name: "f", Tokenizer: NGram{N: 1}, Hash: rec2, BitsPerFeature: 3}}})
	e.Encode(nil, []string{"abcde"})
	if len(rec2.h.ks) != 3 {
		t.Fatalf("ks %v", rec2.h.ks)
	}
}

type recordingScheme struct{ h *recordingHasher }
type recordingHasher struct{ ks []int }

func (s *recordingScheme) NewHasher(int) (Hasher, error) { s.h = &recordingHasher{}; return s.h, nil }
func (h *recordingHasher) AppendPositions(dst []uint32, tok []byte, k int) []uint32 {
	h.ks = append(h.ks, k)
	for i := 0; i < k; i++ {
		dst = append(dst, uint32(i))
	}
	return dst
}

func TestEncoderDeterministicAndSalted(t *testing.T) {
	e := mustEncoder(t, nameConfig())
	rec := []string{"anna", "smith", "f"}
	a, err := e.EncodeSalted(nil, rec, "1980")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Clone().EncodeSalted(nil, rec, "1980")
	if !bytes.Equal(a, b) {
		t.Fatal("clone encodes differently")
	}
	c, _ := e.EncodeSalted(nil, rec, "1981")
	if bytes.Equal(a, c) {
		t.Fatal("salt has no effect")
	}
	// Only the salted field changes: the surname/sex bits are common.
	plain := mustEncoder(t, Config{Bits: 1024, Fields: nameConfig().Fields[1:]})
	sn, _ := plain.Encode(nil, rec[1:])
	for i := range sn {
		if a[i]&sn[i] != sn[i] || c[i]&sn[i] != sn[i] {
			t.Fatal("unsalted field bits differ between salts")
		}
	}
	if _, err := e.Encode(nil, rec[:2]); err == nil {
		t.Fatal("short record accepted")
	}
}

func TestEncoderFieldErrorHidesValue(t *testing.T) {
	nc, _ := NewNumeric(5, 2, 0)
	e := mustEncoder(t, Config{Bits: 64, Fields: []Field{{Name: "age", Tokenizer: nc, Hash: RandomHashing(testKey), BitsPerToken: 2}}})
	_, err := e.Encode(nil, []string{"secret-value"})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "age" {
		t.Fatalf("err = %v", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("secret-value")) {
		t.Fatal("error quotes the value")
	}
}

func TestEncodingsAreDistinct(t *testing.T) {
	var outs [][]byte
	for _, enc := range []TextEncoding{UTF8, UTF16, UTF32} {
		e := mustEncoder(t, Config{Bits: 256, Fields: []Field{{Name: "n", Tokenizer: Exact{}, Hash: RandomHashing(testKey), BitsPerToken: 20, Encoding: enc}}})
		f, err := e.Encode(nil, []string{"zoë"})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, f)
	}
	if bytes.Equal(outs[0], outs[1]) || bytes.Equal(outs[1], outs[2]) {
		t.Fatal("text encodings hash identically")
	}
	e := mustEncoder(t, Config{Bits: 256, Fields: []Field{{Name: "n", Tokenizer: Exact{}, Hash: RandomHashing(testKey), BitsPerToken: 20, Encoding: ASCII}}})
	if _, err := e.Encode(nil, []string{"zoë"}); err == nil {
		t.Fatal("ASCII accepted a non-ASCII value")
	}
}

func TestFoldingAndXORFold(t *testing.T) {
	f := []byte{0xF0, 0x0F, 0xFF, 0x00}
	got := Fold(append([]byte(nil), f...))
	if !bytes.Equal(got, []byte{0x0F, 0x0F}) {
		t.Fatalf("Fold = %x", got)
	}
	// Config.Folds = hash at 2048 bits then fold once: equals folding the
	// unfolded 2048-bit encoding by hand.
	cfg := nameConfig()
	cfg.Bits = 2048
	wide := mustEncoder(t, cfg)
	cfg.Bits, cfg.Folds = 1024, 1
	folded := mustEncoder(t, cfg)
	rec := []string{"anna", "smith", "f"}
	w, _ := wide.Encode(nil, rec)
	g, _ := folded.Encode(nil, rec)
	if !bytes.Equal(Fold(w), g) {
		t.Fatal("Folds differs from folding by hand")
	}
	cfg.Folds = 0
	cfg.Bits = 2048
	cfg.Hardening = []Hardening{XORFold()}
	step := mustEncoder(t, cfg)
	s, _ := step.Encode(nil, rec)
	if !bytes.Equal(s, g) || step.Bits() != 1024 {
		t.Fatal("XORFold step differs from Folds")
	}
	if _, err := FoldN(make([]byte, 8), 1); err == nil {
		t.Fatal("folding 64 bits into 32 accepted")
	}
}

func TestBalance(t *testing.T) {
	rec := []string{"anna", "smith", "f"}
	plain, _ := mustEncoder(t, nameConfig()).Encode(nil, rec)
	for _, key := range [][]byte{nil, testKey} {
		e := mustEncoder(t, nameConfig(Balance(key)))
		if e.Bits() != 2048 {
			t.Fatalf("Bits = %d", e.Bits())
		}
		f, err := e.Encode(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		if Popcount(f) != 1024 {
			t.Fatalf("balanced popcount %d", Popcount(f))
		}
		if key == nil && !bytes.Equal(f[:128], plain) {
			t.Fatal("unkeyed balancing does not keep the filter first")
		}
		if key != nil && bytes.Equal(f[:128], plain) {
			t.Fatal("keyed balancing did not permute")
		}
		again, _ := e.Clone().Encode(nil, rec)
		if !bytes.Equal(f, again) {
			t.Fatal("balancing is not deterministic")
		}
	}
	// Keyed permutation preserves Dice ordering: identical records stay
	// identical, and Dice of balanced filters is a function of Hamming
	// distance, which a permutation keeps.
	e := mustEncoder(t, nameConfig(Balance(testKey)))
	u := mustEncoder(t, nameConfig(Balance(nil)))
	a1, _ := e.Encode(nil, rec)
	b1, _ := e.Encode(nil, []string{"ana", "smyth", "f"})
	a2, _ := u.Encode(nil, rec)
	b2, _ := u.Encode(nil, []string{"ana", "smyth", "f"})
	if Dice(a1, b1) != Dice(a2, b2) {
		t.Fatal("permutation changed Dice")
	}
	if _, err := NewEncoder(nameConfig(Balance([]byte("short")))); err == nil {
		t.Fatal("short balancing key accepted")
	}
}

func TestBLIP(t *testing.T) {
	rec := []string{"anna", "smith", "f"}
	plain, _ := mustEncoder(t, nameConfig()).Encode(nil, rec)
	e := mustEncoder(t, nameConfig(BLIP(testKey, 0.1)))
	a, _ := e.Encode(nil, rec)
	b, _ := e.Clone().Encode(nil, rec)
	if !bytes.Equal(a, b) {
		t.Fatal("BLIP is not deterministic per record")
	}
	// Flip rate over many records is near 0.1.
	flips, total := 0, 0
	for i := 0; i < 200; i++ {
		r := []string{"anna" + itoa(i), "smith", "f"}
		p, _ := mustEncoder(t, nameConfig()).Encode(nil, r)
		q, _ := e.Encode(nil, r)
		for j := range p {
			flips += popcount8(p[j] ^ q[j])
		}
		total += len(p) * 8
	}
	rate := float64(flips) / float64(total)
	if math.Abs(rate-0.1) > 0.01 {
		t.Fatalf("flip rate %v", rate)
	}
	other := mustEncoder(t, nameConfig(BLIP(append([]byte("o"), testKey...), 0.1)))
	c, _ := other.Encode(nil, rec)
	if bytes.Equal(a, c) || bytes.Equal(a, plain) {
		t.Fatal("BLIP output does not depend on the key")
	}
	for _, p := range []float64{0, 0.5, -1, math.NaN()} {
		if _, err := NewEncoder(nameConfig(BLIP(testKey, p))); err == nil {
			t.Fatalf("flip probability %v accepted", p)
		}
	}
}

func popcount8(b byte) int { return Popcount([]byte{b}) }

func TestHardeningFuncHook(t *testing.T) {
	invert := HardeningFunc(func(dst, src []byte) {
		for i := range src {
			dst[i] = ^src[i]
		}
	})
	rec := []string{"anna", "smith", "f"}
	plain, _ := mustEncoder(t, nameConfig()).Encode(nil, rec)
	got, _ := mustEncoder(t, nameConfig(invert)).Encode(nil, rec)
	for i := range plain {
		if got[i] != ^plain[i] {
			t.Fatal("custom hardening step not applied")
		}
	}
}

func TestEncodeAllocations(t *testing.T) {
	e := mustEncoder(t, nameConfig())
	rec := []string{"anna", "smith", "f"}
	dst := make([]byte, 0, 128)
	e.EncodeSalted(dst, rec, "1980")
	allocs := testing.AllocsPerRun(100, func() { e.EncodeSalted(dst[:0], rec, "1980") })
	if allocs > 0 {
		t.Fatalf("%v allocations per Encode", allocs)
	}
}

func TestBase64(t *testing.T) {
	f := []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4}
	s := EncodeBase64(f)
	g, err := DecodeBase64(s[:4] + "\n" + s[4:] + "\n")
	if err != nil || !bytes.Equal(f, g) {
		t.Fatalf("round trip with newlines: %x %v", g, err)
	}
	if _, err := DecodeBase64("not base64!"); err == nil || bytes.Contains([]byte(err.Error()), []byte("base64!")) {
		t.Fatalf("bad input: %v", err)
	}
	var b []byte
	if string(AppendBase64(b, f)) != s {
		t.Fatal("AppendBase64 differs")
	}
}

func TestBits(t *testing.T) {
	f := New(64)
	SetBit(f, 0)
	SetBit(f, 9)
	if f[0] != 0x80 || f[1] != 0x40 || !Bit(f, 9) || Bit(f, 8) {
		t.Fatalf("bit order wrong: %x", f)
	}
	ClearBit(f, 0)
	FlipBit(f, 63)
	if f[0] != 0 || f[7] != 1 {
		t.Fatalf("%x", f)
	}
	for _, b := range []int{0, 63, 100, -64} {
		if CheckBits(b) == nil {
			t.Fatalf("CheckBits(%d) passed", b)
		}
	}
}

// TestPosCache: a cached message gives the positions the hasher gives,
// whether it is keyed packed (up to 7 bytes) or as a string, and messages
// that differ only by a trailing zero byte or by length stay apart.
func TestPosCache(t *testing.T) {
	h, err := RandomHashing(testKey).NewHasher(1024)
	if err != nil {
		t.Fatal(err)
	}
	msgs := [][]byte{{}, {0}, {0, 0}, []byte("AB"), []byte("AB\x00"), []byte("\x042015AB"), []byte("\x042015AB\x00"), []byte("\x042015FEMALE")}
	var c posCache
	for round := range 2 { // the second round reads the cache
		for _, m := range msgs {
			want := h.AppendPositions(nil, m, 8)
			if got := c.positions(h, m, 8); !slices.Equal(got, want) {
				t.Errorf("round %d, message %q: positions %v, want %v", round, m, got, want)
			}
		}
	}
	if c.small.len()+len(c.idx) != len(msgs) {
		t.Errorf("%d cache entries for %d distinct messages", c.small.len()+len(c.idx), len(msgs))
	}
}
