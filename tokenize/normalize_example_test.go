package tokenize_test

import (
	"fmt"

	"github.com/pprl/pprl/tokenize"
)

func ExampleNormalizeName() {
	for _, raw := range []string{"Mr Seán O'Neill-M'Donald Jr.", "Mac Donald", "N/K"} {
		name, err := tokenize.NormalizeName(raw)
		if err != nil {
			fmt.Println("rejected:", err)
			continue
		}
		fmt.Printf("%s | joined %s | first %s | last %s | soundex %s | %s\n", name,
			tokenize.JoinedName(name), tokenize.FirstNamePart(name), tokenize.LastNamePart(name),
			tokenize.Soundex(tokenize.JoinedName(name)), tokenize.FoldMac(name))
	}
	// Output:
	// SEAN ONEILL MCDONALD | joined SEANONEILLMCDONALD | first SEAN | last MCDONALD | soundex S554 | SEAN ONEILL MCDONALD
	// MACDONALD | joined MACDONALD | first MACDONALD | last MACDONALD | soundex M235 | MCDONALD
	// rejected: placeholder
}

func ExampleCanonicalForename() {
	for _, n := range []string{"SANDY", "LIZ", "BILLY", "ISLA"} {
		fmt.Println(n, "→", tokenize.CanonicalForename(n))
	}
	// Output:
	// SANDY → ALEXANDER
	// LIZ → ELIZABETH
	// BILLY → WILLIAM
	// ISLA → ISLA
}

func ExampleDateParser() {
	today, _ := tokenize.ParseISODate("2026-11-24")
	p, err := tokenize.NewDateParser([]string{"DD/MM/YYYY", "D MON YYYY"}, tokenize.DateOptions{Reference: today})
	if err != nil {
		panic(err)
	}
	for _, raw := range []string{"03/04/2001", "3 Apr 2001", "31/02/2001", "01/01/2030", "04/03/01"} {
		d, err := p.Parse(raw)
		fmt.Println(d, err)
	}
	// Output:
	// 2001-04-03 <nil>
	// 2001-04-03 <nil>
	//  invalid_date
	//  future
	//  invalid_format
}

func ExampleNormalizePostcode() {
	p, _ := tokenize.NormalizePostcode("eh11yz")
	fmt.Println(p, tokenize.PostcodeOutward(p), tokenize.PostcodeArea(p), tokenize.PostcodeDistrict(p), tokenize.PostcodeSector(p))
	// Output: EH1 1YZ EH1 EH EH1 EH1 1
}

func ExampleNormalizeCHI() {
	chi, err := tokenize.NormalizeCHI("101011237") // a spreadsheet dropped the leading zero
	fmt.Println(chi, err)
	dob, _ := tokenize.ParseISODate("2001-01-02")
	fmt.Println(tokenize.CheckCHI(chi, dob, tokenize.SexMale))
	// Output:
	// 0101011237 <nil>
	// chi_dob_mismatch
}

func ExampleSexCodes() {
	codes, _ := tokenize.NewSexCodes(map[string]string{"1": "male", "2": "female", "9": "unknown"})
	for _, raw := range []string{"1", " 2 ", "9", "X"} {
		s, err := codes.Normalize(raw)
		fmt.Println(s.Canonical(), err)
	}
	// Output:
	// MALE <nil>
	// FEMALE <nil>
	//  missing
	//  unmapped_code
}
