// Package evaluatetest writes small match output directories (entities,
// links, summary) for tests of evaluation and reporting, so that they do not
// depend on running a real match.
package evaluatetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/pprl/pprl/internal/parquettest"
	"github.com/pprl/pprl/linkage"
)

// Entity is one row of entities.parquet. Attrs become attr_<name> columns.
type Entity struct {
	EntityID, Dataset, RecordID string
	Attrs                       map[string]string
}

// Link is one row of links.parquet.
type Link struct {
	DatasetA, RecordIDA, DatasetB, RecordIDB string
	Score, Dice                              float64
	Rules                                    string
}

// WriteEntities writes entities.parquet rows to path. attrNames lists the
// attr_ columns to write (in order).
func WriteEntities(path string, rows []Entity, attrNames ...string) error {
	fields := linkage.EntitiesSchema.Fields()
	for _, a := range attrNames {
		fields = append(fields, arrow.Field{Name: "attr_" + a, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.EntityID)
		b.Field(1).(*array.StringBuilder).Append(r.Dataset)
		b.Field(2).(*array.StringBuilder).Append(r.RecordID)
		b.Field(3).(*array.BooleanBuilder).Append(false) // opted_out
		for j, a := range attrNames {
			if v, ok := r.Attrs[a]; ok {
				b.Field(4 + j).(*array.StringBuilder).Append(v)
			} else {
				b.Field(4 + j).(*array.StringBuilder).AppendNull()
			}
		}
	}
	return write(path, b)
}

// WriteLinks writes links.parquet (or candidates.parquet) rows to path.
func WriteLinks(path string, rows []Link) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, linkage.LinksSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.DatasetA)
		b.Field(1).(*array.StringBuilder).Append(r.RecordIDA)
		b.Field(2).(*array.StringBuilder).Append(r.DatasetB)
		b.Field(3).(*array.StringBuilder).Append(r.RecordIDB)
		b.Field(4).(*array.Float64Builder).Append(r.Score)
		b.Field(5).(*array.Float64Builder).Append(r.Dice)
		b.Field(6).(*array.StringBuilder).Append(r.Rules)
		b.Field(7).(*array.StringBuilder).Append(fmt.Sprintf("rules=%s dice=%.3f", r.Rules, r.Dice))
	}
	return write(path, b)
}

func write(path string, b *array.RecordBuilder) error {
	rec := b.NewRecordBatch()
	defer rec.Release()
	return parquettest.WriteRecord(path, rec, parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy)))
}

// WriteSummary writes v as summary.json in dir, with "format" set to
// pprl match's when v has none.
func WriteSummary(dir string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	if _, ok := m["format"]; !ok {
		m["format"] = "pprl-match-summary"
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644)
}

// Dir writes a whole match output directory.
func Dir(dir string, entities []Entity, links []Link, summary any, attrNames ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteEntities(filepath.Join(dir, "entities.parquet"), entities, attrNames...); err != nil {
		return err
	}
	if err := WriteLinks(filepath.Join(dir, "links.parquet"), links); err != nil {
		return err
	}
	return WriteSummary(dir, withInputs(summary, entities))
}

// withInputs adds to summary, when it has none, the "inputs" that match
// would have written: each dataset of entities with its row count.
func withInputs(summary any, entities []Entity) any {
	raw, err := json.Marshal(summary)
	if err != nil {
		return summary
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		m = map[string]any{}
	}
	if _, ok := m["inputs"]; ok {
		return m
	}
	rows := map[string]int{}
	var order []string
	for _, e := range entities {
		if rows[e.Dataset] == 0 {
			order = append(order, e.Dataset)
		}
		rows[e.Dataset]++
	}
	sort.Strings(order)
	var inputs []map[string]any
	for _, ds := range order {
		inputs = append(inputs, map[string]any{"dataset": ds, "rows": rows[ds]})
	}
	m["inputs"] = inputs
	return m
}
