package tokenize

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"

	"github.com/pprl/pprl/internal/keys"
)

// TokenBytes is the length of a deterministic token: the first 128 bits of
// one HMAC-SHA256 (a truncation NIST SP 800-107 allows for a MAC). Tokens
// are only tested for equality, and two different values share 128 bits
// with probability 2⁻¹²⁸; the matcher compares the first 64 of them. The
// other 128 bits of the HMAC made token files 40% larger and their
// writing 14% slower (a million health rows, 16 rules: 623 MB against
// 378 MB, 6.2 s against 5.4 s), for nothing anyone compared.
const TokenBytes = 16

// DefaultRules is the default deterministic token rule set, after Datavant's
// tokens 1 and 2 and OpenToken's rules (shared/spec/tokens-and-identifiers.md),
// plus rules that each survive one common real-world error that breaks the
// others (every rule still combines at least three identifiers, or a
// national identifier with a check digit):
//
//	t1  surname + first initial + sex + date of birth
//	t2  Soundex(surname) + Soundex(forename) + sex + date of birth
//	t3  surname + forename + sex + date of birth
//	t5  surname + forename + date of birth + postcode outward code
//	t6  canonical forename + date of birth + sex: survives a changed surname
//	    (marriage, adoption, a child taking a carer's name) and a misspelt one
//	t7  surname + canonical forename + postcode sector: survives a wrong or
//	    missing date of birth
//	t8  surname + canonical forename + day and month of birth: survives a
//	    wrong year of birth, which also breaks the CLK's year-salted names
//	t9  CHI number (or NHS number) alone: issued once per person with a
//	    check digit, so it survives a mistyped date of birth
//	t10 {surname, forename} in either order + date of birth: survives a
//	    forename and surname recorded in each other's place
//	t11 surname + the first middle name (the forename when there is none,
//	    canonical) + date of birth: survives a child known by their middle
//	    name, recorded as the forename by one agency and as a middle name
//	    by another
//	t12 canonical forename + date of birth + postcode sector: survives a
//	    changed surname where t6 does not decide (no sex recorded, or too
//	    many children of one forename born on one day for t6 alone)
//	t13 surname + canonical forename + date of birth with its day and month
//	    in either order: survives a day and a month swapped (03/04 for
//	    04/03)
//	t14 canonical forename + date of birth + postcode area (the letters,
//	    EH, G, KA): survives a changed surname and a move within the area
//	    (most moves are local), where t12's sector no longer agrees
//	t15 surname + date of birth + sex + postcode sector, without the
//	    forename: survives a forename missing from one record or mistyped in
//	    its first letter (ING for LING, 1EO for LEO, a C for a K), which
//	    breaks every other rule but the CHI's. Same-sex twins at one address
//	    agree on it too, so it is a family rule (RuleSpec.Family): match
//	    judges its agreements against the pairs of one agency that agree
//	    the same way, which are mostly twins, and refuses the Dice bands
//	    where those outnumber the records of one child (a twin's forename is
//	    another name, so the pair's Dice sits lower than a typo's).
//	t16 canonical forename + first middle name (canonical) + date of birth:
//	    survives a changed surname, like t6, and tells a renamed child from a
//	    stranger of one forename and birthday where both records hold a
//	    middle name (agreeing, or differing). An agency that records no
//	    middle names (children's hearings, often) never has it; match
//	    judges its pairs as if the rule were not there.
//	t17 date of birth + sex + full postcode, without a name: survives a
//	    changed surname together with a nickname, a middle name used as
//	    the forename or a misspelt forename, at one address, where every
//	    rule with a name fails (an ONS census match key has the same
//	    shape). Same-sex twins at home agree on it too, so it is a family
//	    rule like t15.
//
// There is no t4: it was the CHI number + date of birth, and every pair
// agreeing on it agrees on t9; without it linkage quality was unchanged
// (100,000 people, four agencies: entity F1 0.9911 both ways), so its slot
// went to t17 (a spec holds at most MaxRules rules).
//
// The canonical forename maps nicknames to the full name (SANDY, ALEX →
// ALEXANDER). Pairs that share only such a rule are still scored: the
// linkage model weighs each pattern of agreeing rules by how often it occurs
// among random pairs, and adds the CLK similarity.
func DefaultRules() []RuleSpec {
	return []RuleSpec{
		{Name: "t1", Description: "surname + first initial + sex + date of birth (Datavant token 1)",
			Components: []string{"surname", "forename.initial", "sex", "dob"}},
		{Name: "t2", Description: "Soundex(surname) + Soundex(forename) + sex + date of birth (Datavant token 2)",
			Components: []string{"surname.soundex", "forename.soundex", "sex", "dob"}},
		{Name: "t3", Description: "surname + forename + sex + date of birth",
			Components: []string{"surname", "forename", "sex", "dob"}},
		{Name: "t5", Description: "surname + forename + date of birth + postcode outward code",
			Components: []string{"surname", "forename", "dob", "postcode.outward"}},
		{Name: "t6", Description: "canonical forename + date of birth + sex (survives a changed or misspelt surname)",
			Components: []string{"forename.canonical", "dob", "sex"}},
		{Name: "t7", Description: "surname + canonical forename + postcode sector (survives a wrong or missing date of birth)",
			Components: []string{"surname", "forename.canonical", "postcode.sector"}},
		{Name: "t8", Description: "surname + canonical forename + day and month of birth (survives a wrong year of birth)",
			Components: []string{"surname", "forename.canonical", "dob.monthday"}},
		{Name: "t9", Description: "CHI number, or NHS number when there is no CHI, alone (unique, check digit; survives a mistyped date of birth)",
			Components: []string{"chi|nhs"}},
		{Name: "t10", Description: "surname and forename in either order + date of birth (survives swapped names)",
			Components: []string{"surname", "forename", "dob"}, Unordered: true},
		{Name: "t11", Description: "surname + first middle name (or forename when there is none) + date of birth (survives a middle name used as the forename)",
			Components: []string{"surname", "middle_names.canonical|forename.canonical", "dob"}},
		{Name: "t12", Description: "canonical forename + date of birth + postcode sector (survives a changed surname)",
			Components: []string{"forename.canonical", "dob", "postcode.sector"}},
		{Name: "t13", Description: "surname + canonical forename + date of birth, day and month in either order (survives a day and a month swapped)",
			Components: []string{"surname", "forename.canonical", "dob.unordered"}},
		{Name: "t14", Description: "canonical forename + date of birth + postcode area (survives a changed surname and a move within the area)",
			Components: []string{"forename.canonical", "dob", "postcode.area"}},
		{Name: "t15", Description: "surname + date of birth + sex + postcode sector, no forename (survives a forename missing or mistyped in its first letter; twins agree on it too, so it is a family rule)",
			Components: []string{"surname", "dob", "sex", "postcode.sector"}, Family: true},
		{Name: "t16", Description: "canonical forename + first middle name + date of birth (survives a changed surname; tells a renamed child from a stranger of one forename and birthday where both records hold a middle name)",
			Components: []string{"forename.canonical", "middle_names.canonical", "dob"}},
		{Name: "t17", Description: "date of birth + sex + postcode, no name (survives a changed surname with a nickname, a middle name or a misspelt forename at one address; twins agree on it too, so it is a family rule)",
			Components: []string{"dob", "sex", "postcode"}, Family: true},
	}
}

// TokenMessage returns the bytes a token rule authenticates: each component
// value as a 4-byte big-endian length followed by its UTF-8 bytes, in rule
// order. Length prefixes make the encoding unambiguous whatever characters a
// normaliser lets through: ("AB", "C") and ("A", "BC") differ.
func TokenMessage(dst []byte, components ...string) []byte {
	for _, c := range components {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(c)))
		dst = append(dst, c...)
	}
	return dst
}

// ruleSet is a spec's token rules compiled against a secret. It is shared
// read-only by the pipeline's workers; each worker makes its own tokenHasher.
type ruleSet struct {
	names     []string
	comps     [][]*Component
	unordered []bool
	keys      [][]byte // HKDF subkey "pprl/v1/token/<name>" per rule
}

func compileRules(s *Spec, secret []byte) (*ruleSet, error) {
	rs := &ruleSet{}
	for _, r := range s.Rules {
		var comps []*Component
		for _, expr := range r.Components {
			c, err := ParseComponent(s, expr)
			if err != nil {
				return nil, err
			}
			comps = append(comps, c)
		}
		rs.names = append(rs.names, r.Name)
		rs.comps = append(rs.comps, comps)
		rs.unordered = append(rs.unordered, r.Unordered)
		rs.keys = append(rs.keys, keys.Subkey(secret, "token/"+r.Name, sha256.Size))
	}
	return rs, nil
}

// tokenHasher computes tokens for one worker. Not safe for concurrent use.
type tokenHasher struct {
	rs   *ruleSet
	macs []hash.Hash
	msg  []byte
	vals []string // component values of an unordered rule, sorted
}

func (rs *ruleSet) newHasher() *tokenHasher {
	h := &tokenHasher{rs: rs}
	for _, k := range rs.keys {
		h.macs = append(h.macs, hmac.New(sha256.New, k))
	}
	return h
}

// token appends rule i's token for a row with normalised values vals to dst
// and returns it with true, or returns dst unchanged and false when a
// component is missing: a missing token is null, never a placeholder.
func (h *tokenHasher) token(dst []byte, i int, vals []string) ([]byte, bool) {
	h.msg = h.msg[:0]
	h.vals = h.vals[:0]
	for _, c := range h.rs.comps[i] {
		v, ok := c.value(vals)
		if !ok {
			return dst, false
		}
		h.vals = append(h.vals, v)
	}
	if h.rs.unordered[i] {
		slices.Sort(h.vals)
	}
	h.msg = TokenMessage(h.msg, h.vals...)
	mac := h.macs[i]
	mac.Reset()
	mac.Write(h.msg)
	out := mac.Sum(dst)
	return out[:len(dst)+TokenBytes], true
}
