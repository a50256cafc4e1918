package bloom_test

import (
	"crypto/sha256"
	"fmt"

	"github.com/pprl/pprl/bloom"
)

// Encode two records with the native scheme (random hashing under one key
// per field, names salted with the year of birth), then compare them.
func Example() {
	key := func(purpose string) []byte {
		// In pprl, subkeys come from HKDF over the project secret
		// (internal/keys); a hash of a label stands in here.
		k := sha256.Sum256([]byte("example secret/" + purpose))
		return k[:]
	}
	cfg := bloom.Config{
		Bits: 1024,
		Fields: []bloom.Field{
			{Name: "forename", Tokenizer: bloom.NGram{N: 2}, Hash: bloom.RandomHashing(key("forename")), BitsPerToken: 20, Salted: true},
			{Name: "surname", Tokenizer: bloom.NGram{N: 2}, Hash: bloom.RandomHashing(key("surname")), BitsPerToken: 20, Salted: true},
			{Name: "dob", Tokenizer: bloom.NGram{N: 1, Positional: true}, Hash: bloom.RandomHashing(key("dob")), BitsPerToken: 10},
		},
		Hardening: []bloom.Hardening{bloom.BLIP(key("blip"), 0.02)},
	}
	enc, err := bloom.NewEncoder(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := enc.EncodeSalted(nil, []string{"catherine", "mcdonald", "20090314"}, "2009")
	b, _ := enc.EncodeSalted(nil, []string{"katherine", "mcdonald", "20090314"}, "2009")
	c, _ := enc.EncodeSalted(nil, []string{"catherine", "mcdonald", "20090314"}, "2009")

	fmt.Println("bits:", len(a)*8)
	fmt.Println("same record, same bytes:", string(a) == string(c))
	fmt.Println("typo still similar:", bloom.Dice(a, b) > 0.8)

	// One query against many filters.
	idx, _ := bloom.NewIndex(enc.Bits(), [][]byte{b, c})
	for _, m := range idx.Search(a, 0.8, nil) {
		fmt.Printf("match %d\n", m.ID)
	}
	// Unordered output:
	// bits: 1024
	// same record, same bytes: true
	// typo still similar: true
	// match 0
	// match 1
}
