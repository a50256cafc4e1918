package parquettest

import (
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
)

func TestWriteStrings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.parquet")
	rows := [][]string{{"E1", "a", "r1"}, {"E1", "b", "r2"}, {"E2", "a", "r3"}}
	if err := WriteStrings(path, []string{"entity_id", "dataset", "record_id"}, rows); err != nil {
		t.Fatal(err)
	}
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != 3 || r.MetaData().Schema.NumColumns() != 3 || r.MetaData().Schema.Column(2).Name() != "record_id" {
		t.Errorf("rows %d, columns %d", r.NumRows(), r.MetaData().Schema.NumColumns())
	}
	if err := WriteStrings(path, []string{"a"}, [][]string{{"x", "y"}}); err == nil {
		t.Error("a ragged row was written")
	}
}
