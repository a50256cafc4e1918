package tokenfile

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column names and prefixes.
const (
	ColRecordID   = "record_id"
	ColCLK        = "clk"
	TokenPrefix   = "tok_"
	AttrPrefix    = "attr_"
	firstTokenCol = 2
)

// arrowSchema returns the Arrow schema a manifest implies: record_id utf8,
// clk fixed_size_binary(clk_bits/8), tok_<rule> fixed_size_binary(16, or
// 32 in files made before token_bytes was recorded) nullable, attr_<name>
// utf8 nullable.
func arrowSchema(m *Manifest) *arrow.Schema {
	fields := []arrow.Field{
		{Name: ColRecordID, Type: arrow.BinaryTypes.String},
		{Name: ColCLK, Type: &arrow.FixedSizeBinaryType{ByteWidth: m.CLKBytes()}},
	}
	for _, r := range m.Rules {
		fields = append(fields, arrow.Field{Name: TokenPrefix + r, Type: &arrow.FixedSizeBinaryType{ByteWidth: m.TokenWidth()}, Nullable: true})
	}
	for _, a := range m.Attributes {
		fields = append(fields, arrow.Field{Name: AttrPrefix + a, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// checkSchema reports how a file's schema differs from the one its manifest
// implies (names and types, in order; nullability is not compared).
func checkSchema(m *Manifest, got *arrow.Schema) error {
	want := arrowSchema(m)
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("has %d columns, its manifest implies %d", got.NumFields(), want.NumFields())
	}
	for i, wf := range want.Fields() {
		gf := got.Field(i)
		if gf.Name != wf.Name {
			return fmt.Errorf("column %d is %q, its manifest implies %q", i+1, gf.Name, wf.Name)
		}
		if !arrow.TypeEqual(gf.Type, wf.Type) {
			return fmt.Errorf("column %q has type %s, want %s", gf.Name, gf.Type, wf.Type)
		}
	}
	return nil
}
