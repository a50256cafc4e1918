package cohort_test

import (
	"fmt"

	"github.com/pprl/pprl/linkage/cohort"
)

func ExampleNewStudyIDs() {
	// The project key is the content of projects/NAME.key; a fixed one here.
	ids := cohort.NewStudyIDs([]byte("bWFkZS11cC1wcm9qZWN0LWtleS1mb3ItZG9jcw"), "CE2026")
	fmt.Println(ids.ID("E00000000000002a"))
	other := cohort.NewStudyIDs([]byte("bWFkZS11cC1wcm9qZWN0LWtleS1mb3ItZG9jcw"), "CE2027")
	fmt.Println(other.ID("E00000000000002a"))
	// Output:
	// SVUS6JYH2JUJTSWMT
	// S3L4JF7X2SNGWFMLB
}
