package table

// candidates are the delimiters SniffDelimiter chooses among, in order of
// preference on a tie.
var candidates = [...]byte{',', ';', '\t', '|'}

// SniffDelimiter guesses the field separator from the start of a CSV file:
// the candidate (',', ';', TAB, '|') that occurs most often outside quotes
// in the first line (the header). It returns ',' when none occurs, as for a
// one-column file.
func SniffDelimiter(head []byte) rune {
	var counts [len(candidates)]int
	inQuote := false
scan:
	for _, c := range head {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n' || c == '\r':
			break scan
		default:
			for k, d := range candidates {
				if c == d {
					counts[k]++
				}
			}
		}
	}
	best := 0
	for k := range candidates {
		if counts[k] > counts[best] {
			best = k
		}
	}
	return rune(candidates[best])
}
