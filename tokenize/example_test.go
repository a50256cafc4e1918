package tokenize_test

import (
	"fmt"

	"github.com/pprl/pprl/tokenize"
)

// The bytes a token rule authenticates: each normalised component as a
// 4-byte big-endian length and its bytes, so no choice of values can make
// two different component lists collide.
func ExampleTokenMessage() {
	msg := tokenize.TokenMessage(nil, "MCDONALD", "M", "FEMALE", "20100924")
	fmt.Printf("%q\n", msg)
	// Output: "\x00\x00\x00\bMCDONALD\x00\x00\x00\x01M\x00\x00\x00\x06FEMALE\x00\x00\x00\b20100924"
}

// The starter spec's fingerprint does not depend on its documentation: an
// agency that reformats the file or edits a description still links.
func ExampleSpec_Fingerprint() {
	a := tokenize.StarterSpec()
	b := tokenize.StarterSpec()
	b.Description = "our copy"
	b.Fields[0].Description = ""
	fmt.Println(a.Fingerprint() == b.Fingerprint())
	b.CLK.Bits = 2048
	fmt.Println(a.Fingerprint() == b.Fingerprint())
	// Output:
	// true
	// false
}

// Components name fields and parts of fields; the rule t4 takes the CHI
// number, or the NHS number when there is no CHI.
func ExampleParseComponent() {
	spec := tokenize.StarterSpec()
	for _, expr := range []string{"surname.soundex", "postcode.outward", "chi|nhs", "dob.initial"} {
		_, err := tokenize.ParseComponent(spec, expr)
		fmt.Println(expr, err == nil)
	}
	// Output:
	// surname.soundex true
	// postcode.outward true
	// chi|nhs true
	// dob.initial false
}
