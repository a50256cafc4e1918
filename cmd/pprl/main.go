// Command pprl is a privacy-preserving record-linkage engine: agencies turn
// identifiers into keyed encodings on site (pprl tokenize), a linkage unit links
// the encodings without seeing an identity (pprl match), and researchers receive
// pseudonymised cohorts (pprl cohort).
//
// Exit status: 0 on success, 1 on a runtime failure, 2 on a usage or input
// error (a missing file, a key with loose permissions, a malformed extract).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:]))
}
