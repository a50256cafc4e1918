package tokenize

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// normaliserPins holds, per NormaliserVersion, the digest of what the
// normalisers make of a fixed corpus (normaliserDigest).
var normaliserPins = map[int]string{
	4: "a052bb143317b13cca92ef2d8212c690e966e597f971dc68a17f6d15e141dd5f",
}

// normaliserDigest hashes the nickname table and the outputs of the name,
// canonical forename, postcode, CHI and date normalisers on the golden name
// inputs and a fixed list of codes.
func normaliserDigest(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	var nicks []string
	for short, full := range forenameNicknames {
		nicks = append(nicks, short+"="+full)
	}
	slices.Sort(nicks)
	fmt.Fprintln(h, strings.Join(nicks, "\n"))
	f, err := os.Open(filepath.Join("testdata", "normalize", "names.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out, err := NormalizeName(sc.Text())
		fmt.Fprintf(h, "%q %q %v\n", out, CanonicalForename(FirstNamePart(out)), err)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"eh1 1yz", "EH11YZ", " g2 3ab ", "KA7 2AA", "AB10 6GG", "ZE1 0AA", "BFPO 57", "GIR 0AA", "eh1", "12345"} {
		p, err := NormalizePostcode(s)
		fmt.Fprintf(h, "%q %q %q %q %v\n", p, PostcodeArea(p), PostcodeSector(p), PostcodeOutward(p), err)
	}
	for _, s := range []string{"0101801234", "101801234", "010180 1234", "3006104528", "1302093819", "0000000000"} {
		c, err := NormalizeCHI(s)
		fmt.Fprintf(h, "%q %v\n", c, err)
	}
	for _, s := range []string{"2009-01-02", "2010-02-30", "1899-12-31", "2012-3-5"} {
		d, err := ParseISODate(s)
		fmt.Fprintf(h, "%v %v\n", d, err)
	}
	dp, err := NewDateParser([]string{"DD/MM/YYYY"}, DateOptions{AllowFuture: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"01/01/1900", "02/01/1900", "31/12/1899", "01/01/1970", "01/01/2000", "00/00/2009", "00/05/2009", "05/00/2009"} {
		d, err := dp.Parse(s)
		fmt.Fprintf(h, "%v %v\n", d, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestNormaliserVersionPinned fails when the normalisers' outputs change
// and NormaliserVersion does not: token files of the old and new releases
// would then be matched together although one name can encode differently
// under each. After a deliberate change, raise NormaliserVersion (and say
// what changed in its comment) and pin the new digest here.
func TestNormaliserVersionPinned(t *testing.T) {
	got := normaliserDigest(t)
	want, ok := normaliserPins[NormaliserVersion]
	if !ok || got != want {
		t.Fatalf("the normalisers give digest %s, pinned for version %d: %q. If they changed on purpose, raise NormaliserVersion and pin the new digest", got, NormaliserVersion, want)
	}
}
