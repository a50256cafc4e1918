package tokenize

import (
	"errors"
	"fmt"

	"github.com/pprl/pprl/internal/exitcode"
)

// clkhashColumns checks an extract's header against a clkhash schema (as
// clkhash does: column i named exactly as feature i) and returns, per
// feature, its column index. idColumn, if given, must be one of the
// columns: it supplies the record IDs.
func clkhashColumns(cs *ClkhashSchema, idColumn string, header []string) ([]int, error) {
	if err := cs.CheckHeader(header); err != nil {
		return nil, exitcode.Inputf("extract header does not match the clkhash schema: %v; expected columns: %s; %s",
			err, quoteList(cs.Identifiers()), foundColumns(header, cs.Identifiers()))
	}
	if idColumn != "" {
		if _, ok := columnIndex(header, idColumn); !ok {
			return nil, exitcode.Inputf("--id-column %q is not a column of the extract (found columns: %s)", idColumn, quoteList(header))
		}
	}
	cols := make([]int, len(header))
	for i := range cols {
		cols[i] = i
	}
	return cols, nil
}

// clkhashPlan binds a clkhash schema to an extract: clkhash's CLKs from
// every row exactly as read, no deterministic tokens, no attributes. The
// record ID is the --id-column value (trimmed) or the row number. A row with
// a value that fails its feature's format is rejected (field = the
// feature's identifier, reason = the format's code) rather than failing the
// run as clkhash would.
func clkhashPlan(cs *ClkhashSchema, idColumn string, header []string, secret []byte) (*plan, error) {
	if _, err := clkhashColumns(cs, idColumn, header); err != nil {
		return nil, err
	}
	enc, err := cs.Encoder(secret)
	if err != nil {
		return nil, exitcode.AsInput(err)
	}
	p := &plan{clkBits: cs.Bits(), idCol: -1}
	if idColumn != "" {
		p.idCol, _ = columnIndex(header, idColumn)
		p.idColName = header[p.idCol]
	}
	p.newWorker = func() (batchEncoder, error) {
		return &clkhashWorker{enc: enc.Clone(), idCol: p.idCol}, nil
	}
	return p, nil
}

// clkhashWorker encodes batches with a clkhash schema for one goroutine.
type clkhashWorker struct {
	enc   *ClkhashEncoder
	idCol int
}

func (w *clkhashWorker) encodeBatch(j *job) error {
	j.reset(0, 0)
	for i, raw := range j.batch.Rows {
		rowNum := j.batch.FirstRow + int64(i)
		id, ok := j.recordID(raw, w.idCol, rowNum)
		if !ok {
			continue
		}
		n := len(j.clks)
		var err error
		j.clks, err = w.enc.AppendEncode(j.clks, raw)
		if err != nil {
			var ve *ClkhashValueError
			if !errors.As(err, &ve) {
				return fmt.Errorf("row %d: %w", rowNum, err)
			}
			j.clks = j.clks[:n]
			j.reject(rowNum, ve.Feature, Reason(ve.Code))
			continue
		}
		j.ids = append(j.ids, id)
	}
	return nil
}
