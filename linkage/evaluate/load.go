package evaluate

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// The truth formats.
const (
	FormatAuto  = "auto"  // pairs when the first line has two fields, else synth
	FormatSynth = "synth" // dataset,record_id,person_id[,subgroup columns...]
	FormatPairs = "pairs" // FEBRL-style i,j row-index pairs
)

// TruthSpec says where the truth is and how to read it.
type TruthSpec struct {
	Path   string
	Format string // FormatAuto (""), FormatSynth or FormatPairs
	// For FormatPairs: the datasets of i and j (one name for deduplication;
	// when empty and the outputs hold one dataset, that one), and optionally
	// the extracts (dataset → CSV path) whose IDColumn gives each row's
	// record_id. Without an extract, a row's record_id is its 1-based row
	// number, as tokenize assigns when the mapping names no record ID column.
	PairDatasets []string
	Extracts     map[string]string
	IDColumn     string
}

// LoadTruth reads the truth that spec describes. outputs (may be nil) lets a
// pair list default to the outputs' only dataset.
func LoadTruth(spec TruthSpec, outputs *Outputs) (*Truth, error) {
	f, err := os.Open(spec.Path)
	if err != nil {
		return nil, exitcode.AsInput(fmt.Errorf("truth: %w", err))
	}
	defer f.Close()
	br := bufio.NewReader(f)
	format := spec.Format
	switch format {
	case "", FormatAuto:
		first, _ := br.Peek(4096)
		line, _, _ := strings.Cut(string(first), "\n")
		// A pair list has two fields ("i,j" or "0,474"); anything else is
		// read as a synth truth, whose reader explains what it lacks.
		format = FormatSynth
		if strings.Count(line, ",") == 1 && !strings.Contains(strings.ToLower(line), colPersonID) {
			format = FormatPairs
		}
	case FormatSynth, FormatPairs:
	default:
		return nil, exitcode.Inputf("--truth-format must be auto, synth or pairs, not %q", spec.Format)
	}
	if format == FormatSynth {
		if len(spec.PairDatasets) > 0 || len(spec.Extracts) > 0 {
			return nil, exitcode.Inputf("--pair-datasets and --extract apply to a pair-list truth only")
		}
		return ReadTruth(br)
	}
	pf := PairFormat{}
	ds := spec.PairDatasets
	if len(ds) == 0 && outputs != nil {
		if names, _ := outputs.Datasets(); len(names) == 1 {
			ds = names
		}
	}
	switch len(ds) {
	case 1:
		pf.DatasetA = ds[0]
	case 2:
		pf.DatasetA, pf.DatasetB = ds[0], ds[1]
	default:
		return nil, exitcode.Inputf("a pair-list truth needs --pair-datasets A,B (the datasets of its i and j columns), or A alone for deduplication")
	}
	for name := range spec.Extracts {
		if name != pf.DatasetA && name != pf.DatasetB {
			return nil, exitcode.Inputf("--extract names dataset %q, which is not in --pair-datasets", name)
		}
	}
	if len(spec.Extracts) > 0 && spec.IDColumn == "" {
		return nil, exitcode.Inputf("--extract needs --id-column, the extract's record ID column")
	}
	readIDs := func(ds string) ([]string, error) {
		path, ok := spec.Extracts[ds]
		if !ok {
			return nil, nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, exitcode.AsInput(fmt.Errorf("extract of %s: %w", ds, err))
		}
		defer f.Close()
		ids, err := ReadRowIDs(f, spec.IDColumn)
		if err != nil {
			return nil, fmt.Errorf("extract of %s: %w", ds, err)
		}
		return ids, nil
	}
	if pf.IDsA, err = readIDs(pf.DatasetA); err != nil {
		return nil, err
	}
	if pf.DatasetB != "" && pf.DatasetB != pf.DatasetA {
		if pf.IDsB, err = readIDs(pf.DatasetB); err != nil {
			return nil, err
		}
	}
	return ReadTruthPairs(br, pf)
}

// Run loads the match outputs in dir and the truth, and evaluates them.
func Run(dir string, spec TruthSpec, opts Options) (*Result, error) {
	o, err := LoadOutputs(dir)
	if err != nil {
		return nil, err
	}
	t, err := LoadTruth(spec, o)
	if err != nil {
		return nil, err
	}
	return Evaluate(o, t, opts)
}

// Write writes r as text, or as JSON when asJSON.
func Write(w io.Writer, r *Result, asJSON bool) error {
	if asJSON {
		return WriteJSON(w, r)
	}
	return WriteText(w, r)
}
