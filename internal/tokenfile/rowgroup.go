package tokenfile

import "slices"

// rowGroup gathers the rows of one Parquet row group before they are
// written, column after column, straight to the file.
//
// Why not pqarrow's WriteBuffered: it encodes each batch as it comes into a
// page buffer per column that grows by doubling, so every row group
// allocated, zeroed and copied its tens of MB again (measured: 5–8% of
// `pprl tokenize`'s CPU, and most of its 150,000 page faults on a million
// rows). The arena here is allocated once, at the first row group's size,
// and reused: appending a batch is one copy per column, and the pages are
// encoded once, from the full row group, into the file's buffered writer.
//
// Invariant: every column holds exactly n rows; valid[r] is nil while every
// token of rule r so far is present.
type rowGroup struct {
	n      int
	rows   int // capacity: the rows of a full row group
	ids    []string
	clks   []byte
	tokens [][]byte
	valid  [][]bool
	attrs  [][]string
}

func newRowGroup(rows, rules, attrs int) *rowGroup {
	return &rowGroup{rows: rows, tokens: make([][]byte, rules), valid: make([][]bool, rules), attrs: make([][]string, attrs)}
}

// add appends rows [from, to) of b; the caller has checked b and keeps
// g.n + to - from <= g.rows.
func (g *rowGroup) add(b *Batch, from, to, clkBytes int) {
	g.reserve(to-from, clkBytes)
	g.ids = append(g.ids, b.RecordIDs[from:to]...)
	g.clks = append(g.clks, b.CLKs[from*clkBytes:to*clkBytes]...)
	for r := range g.tokens {
		g.tokens[r] = append(g.tokens[r], b.Tokens[r][from*TokenBytes:to*TokenBytes]...)
		var v []bool
		if r < len(b.TokenValid) {
			v = b.TokenValid[r]
		}
		switch {
		case v == nil && g.valid[r] == nil:
		case v == nil:
			for range to - from {
				g.valid[r] = append(g.valid[r], true)
			}
		default:
			if g.valid[r] == nil {
				g.valid[r] = make([]bool, g.n, cap(g.ids))
				for i := range g.valid[r] {
					g.valid[r][i] = true // the rows before held every token
				}
			}
			g.valid[r] = append(g.valid[r], v[from:to]...)
		}
	}
	for a := range g.attrs {
		g.attrs[a] = append(g.attrs[a], b.Attributes[a][from:to]...)
	}
	g.n += to - from
}

// reserve makes room for k more rows, growing the arena fourfold up to a
// full row group (append's own growth, 1.25× for large slices, would
// allocate and copy the first row group five times over; doubling copied
// it once over, and with the zeroing and collection of each old arena that
// was 8% of tokenize's CPU on a clkhash schema at 100,000 rows, where the
// first row group is most of the file).
func (g *rowGroup) reserve(k, clkBytes int) {
	if g.n+k <= cap(g.ids) {
		return
	}
	c := min(g.rows, max(4*cap(g.ids), g.n+k, 1024))
	g.ids = slices.Grow(g.ids, c-len(g.ids))
	g.clks = slices.Grow(g.clks, c*clkBytes-len(g.clks))
	for r := range g.tokens {
		g.tokens[r] = slices.Grow(g.tokens[r], c*TokenBytes-len(g.tokens[r]))
		if g.valid[r] != nil {
			g.valid[r] = slices.Grow(g.valid[r], c-len(g.valid[r]))
		}
	}
	for a := range g.attrs {
		g.attrs[a] = slices.Grow(g.attrs[a], c-len(g.attrs[a]))
	}
}

// reset empties the group, keeping its memory for the next one.
func (g *rowGroup) reset() {
	clear(g.ids)
	g.ids = g.ids[:0]
	g.clks = g.clks[:0]
	for r := range g.tokens {
		g.tokens[r] = g.tokens[r][:0]
		g.valid[r] = nil // every token present, until a batch says otherwise
	}
	for a := range g.attrs {
		clear(g.attrs[a])
		g.attrs[a] = g.attrs[a][:0]
	}
	g.n = 0
}

// batch views the group as a Batch (no copy).
func (g *rowGroup) batch() *Batch {
	return &Batch{RecordIDs: g.ids, CLKs: g.clks, Tokens: g.tokens, TokenValid: g.valid, Attributes: g.attrs}
}
