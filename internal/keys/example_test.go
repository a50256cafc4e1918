package keys_test

import (
	"fmt"

	"github.com/pprl/pprl/internal/keys"
)

func ExampleFingerprint() {
	secret := []byte("correct horse battery staple")
	fmt.Println(keys.Fingerprint(secret))
	// Output: G3BS-E6H2-D7JR-VPFP
}

func ExampleSubkey() {
	secret := []byte("correct horse battery staple")
	// Each purpose gets its own key; the raw secret is never used directly.
	surname := keys.Subkey(secret, "clk/field/surname", 32)
	t1 := keys.Subkey(secret, "token/T1", 32)
	fmt.Println(len(surname), len(t1), string(surname) != string(t1))
	// Output: 32 32 true
}
