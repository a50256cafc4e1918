package tokenize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/pprl/pprl/internal/exitcode"
	"github.com/pprl/pprl/internal/keys"
	"github.com/pprl/pprl/internal/table"
	"github.com/pprl/pprl/internal/tokenfile"
)

// DefaultMaxRejectRate is the share of rejected rows above which Tokenize
// fails without writing anything.
const DefaultMaxRejectRate = 0.05

// RejectsSuffix is appended to the output path to name the default rejects
// file.
const RejectsSuffix = ".rejects.csv"

// Options configures Tokenize.
type Options struct {
	// Schema is the linkage spec (native or clkhash).
	Schema *Schema
	// Mapping is the agency's input mapping; nil uses DefaultMapping
	// (native) or the clkhash schema's column order.
	Mapping *Mapping
	// IDColumn names the record ID column when Mapping is nil. Empty: a
	// "record_id" column if the extract has one (native), else row numbers.
	IDColumn string
	// Secret is the project secret (keys.ReadSecret).
	Secret []byte
	// Dataset names the agency's dataset in the manifest.
	Dataset string
	// Release, when not empty, names the data release in the manifest
	// (a project that rotates its secret per release; see the README).
	Release string
	// Input is the extract, CSV or Parquet.
	Input string
	// Format is the input format ("csv", "parquet", or "" to detect).
	Format string
	// Output is the token file to write.
	Output string
	// Recipients seal the output; empty writes it unsealed (the CLI allows
	// that only with --no-seal).
	Recipients []age.Recipient
	// Rejects is the rejects file; empty means Output + RejectsSuffix.
	Rejects string
	// MaxRejectRate fails the run, writing nothing, when more than this
	// share of rows is rejected. Negative disables the check.
	MaxRejectRate float64
	// MaxFieldRejectRate fails the run, writing nothing, when one field is
	// unusable (present but invalid) on more than this share of rows; zero
	// means DefaultMaxFieldRejectRate, negative disables the check.
	MaxFieldRejectRate float64
	// AllowSuspectMapping tokenizes an extract that the mapping checks
	// (mappingcheck.go) otherwise refuse: its recorded sex contradicting
	// its forenames on most rows (sex codes the wrong way round), or its
	// surnames being forenames (the two columns swapped).
	AllowSuspectMapping bool
	// SampleRows, when positive, stops after that many data rows (pprl
	// schema check runs the pipeline on a sample of the extract).
	SampleRows int64
	// Workers is the number of encoding goroutines (0: GOMAXPROCS).
	Workers int
	// BatchSize is the number of rows per batch (0: table default).
	BatchSize int
	// Created is the manifest time; zero uses SOURCE_DATE_EPOCH or the
	// input's modification time, so reruns are byte-identical. Dates after
	// it are rejected as future.
	Created time.Time
	// Progress, when set, is called from one goroutine with the number of
	// rows read so far, after each batch.
	Progress func(rowsRead int64)
	// Logger receives progress and summary lines (never values); nil is
	// slog.Default().
	Logger *slog.Logger

	// standIns are the dates of birth the first pass found to be
	// stand-ins (datespike.go), which the second pass reads as missing or
	// as their year alone; nil on the first pass.
	standIns *standInDates
}

// Result describes a finished run.
type Result struct {
	Output   string
	Rejects  string // "" when no row or field was rejected (no file written)
	Manifest tokenfile.Manifest
	// FieldIssues counts, by field and reason, the fields left out of rows
	// that were encoded (Manifest.Rows.Rejects counts rejected rows).
	FieldIssues map[string]map[string]int64
	// StandInDates is the number of dates of birth found to be stand-ins
	// for an unknown date by their count (datespike.go) and read as
	// missing; StandInRows the rows that held them.
	StandInDates int
	StandInRows  int64
	// YearOnlyDays are the days of the year found to be a system's way of
	// writing a date known only to its year (datespike.go): every date on
	// them was read as its year alone. YearOnlyRows counts those rows.
	YearOnlyDays []MonthDay
	YearOnlyRows int64
	// PartialDates counts the encoded rows whose date of birth is known
	// only to the month or the year.
	PartialDates int64
	// CrowdedPostcodes is the number of postcodes held by more rows than
	// an address houses (postcodespike.go), warned about and encoded as
	// they are; CrowdedPostcodeRows the rows that hold them.
	CrowdedPostcodes    int
	CrowdedPostcodeRows int64
	Elapsed             time.Duration
}

// Tokenize reads the extract, encodes every usable row and writes one token
// file (and a rejects file when something was rejected). See the package
// documentation of the pipeline in pipeline.go.
//
// Pipeline: one goroutine reads batches of rows (internal/table); Workers
// goroutines normalise and encode batches independently; the calling
// goroutine puts results back in input order and streams them to the token
// file writer and the rejects file. At most 2·Workers batches are in flight,
// so memory does not depend on the input's size (duplicate record IDs are
// found with a fixed-size filter; see idSet).
//
// Rows: a row is rejected (not encoded) when its record ID is blank or
// longer than MaxRecordIDBytes, or when it has no usable name and no usable
// date (ReasonNoNameOrDOB). Any other unusable field is left out of the
// row's encoding (its tokens are null) and reported in the rejects file with
// outcome "encoded". Duplicate record IDs are an input error. The run fails
// (exit status 2, nothing written) when the reject rate exceeds
// MaxRejectRate.
//
// On any error nothing is left behind: the token file and the rejects file
// are written under temporary names and renamed into place only at the end.
func Tokenize(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	if o.Schema == nil {
		return nil, errors.New("tokenize: no schema")
	}
	if !datasetPattern.MatchString(o.Dataset) {
		return nil, exitcode.Inputf("dataset name %q must be 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit (e.g. social_work)", o.Dataset)
	}
	if o.Rejects == "" {
		o.Rejects = o.Output + RejectsSuffix
	}
	for _, p := range []string{o.Output, o.Rejects} {
		if err := checkOutputDir(p); err != nil {
			return nil, err
		}
		if sameFile(p, o.Input) {
			return nil, exitcode.Inputf("output %s is the input extract: give another -o or --rejects", p)
		}
	}
	if o.Output == o.Rejects {
		return nil, exitcode.Inputf("--rejects must differ from the token file %s", o.Output)
	}
	created := o.Created
	if created.IsZero() {
		s, err := tokenfile.Created(o.Input)
		if err != nil {
			return nil, exitcode.AsInput(err)
		}
		created, _ = time.Parse(time.RFC3339, s)
	}
	created = created.UTC().Truncate(time.Second)

	topts := table.Options{Format: o.Format, BatchSize: o.BatchSize}
	if o.Mapping != nil {
		topts.Delimiter = o.Mapping.DelimiterRune()
	}
	in, err := table.Open(o.Input, topts)
	if err != nil {
		return nil, err
	}
	defer in.Close()

	if cs := o.Schema.Clkhash; cs != nil {
		for _, w := range cs.Warnings() {
			log.Warn("clkhash schema: " + w)
		}
	}
	plan, err := o.Schema.plan(o.Mapping, o.IDColumn, in.Header(), o.Secret, created, o.standIns)
	if err != nil {
		return nil, err
	}
	m := tokenfile.Manifest{
		Dataset:           o.Dataset,
		SchemaFingerprint: o.Schema.Fingerprint(),
		SecretFingerprint: keys.Fingerprint(o.Secret),
		Encoding:          o.Schema.Encoding(),
		CLKBits:           plan.clkBits,
		Rules:             plan.rules,
		RuleFields:        plan.ruleFields,
		FamilyRules:       plan.family,
		UnorderedRules:    plan.unordered,
		CLKFields:         plan.clkFields,
		Attributes:        plan.attributes,
		Created:           created.Format(time.RFC3339),
		Release:           o.Release,
		NormaliserVersion: NormaliserVersion,
	}
	out, err := tokenfile.Create(o.Output, m, tokenfile.WriterOptions{Recipients: o.Recipients})
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	defer out.Abort()
	rej, err := createRejects(o.Rejects)
	if err != nil {
		return nil, err
	}
	defer rej.abort()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan *job, workers)
	results := make(chan *job, workers)
	readErr := make(chan error, 1)
	// A free list of jobs bounds the batches in flight and recycles their
	// buffers.
	free := make(chan *job, 2*workers)
	for i := 0; i < 2*workers; i++ {
		free <- &job{}
	}

	go func() { // reader
		defer close(jobs)
		var seq, rows int64
		for {
			if o.SampleRows > 0 && rows >= o.SampleRows {
				readErr <- nil
				return
			}
			b, err := in.Next()
			if err == io.EOF {
				readErr <- nil
				return
			}
			if err != nil {
				readErr <- err
				return
			}
			if o.SampleRows > 0 && rows+int64(len(b.Rows)) > o.SampleRows {
				b.Rows = b.Rows[:o.SampleRows-rows]
			}
			rows += int64(len(b.Rows))
			var j *job
			select {
			case j = <-free:
			case <-ctx.Done():
				readErr <- nil
				return
			}
			j.seq, j.batch = seq, b
			seq++
			select {
			case jobs <- j:
			case <-ctx.Done():
				readErr <- nil
				return
			}
		}
	}()
	var wg sync.WaitGroup
	encErr := make(chan error, workers)
	dobs := make([]dateTally, workers) // per worker; read after results closes
	pcs := make([]postcodeTally, workers)
	for w := 0; w < workers; w++ {
		enc, err := plan.newWorker()
		if err != nil {
			cancel()
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := safeEncode(enc, j); err != nil {
					encErr <- err
					cancel()
					// Keep draining so the reader can finish.
					continue
				}
				dobs[w].add(j.dobs, j.dobRows)
				pcs[w].add(j.pcs, j.pcRows)
				select {
				case results <- j:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	var (
		rows    tokenfile.Rows
		ids     idSet
		pending = map[int64]*job{}
		next    int64
		wb      tokenfile.Batch
	)
	rows.Rejects = map[string]map[string]int64{}
	fieldRejects := map[string]map[string]int64{}
	var writeErr error
	var mapping mappingTally
	for j := range results {
		if writeErr != nil {
			continue
		}
		pending[j.seq] = j
		for {
			j, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := ctx.Err(); err != nil {
				break
			}
			rows.Read += int64(len(j.batch.Rows))
			rows.Encoded += int64(len(j.ids))
			rows.Rejected += int64(j.rejected)
			mapping.merge(j.mapping)
			for _, r := range j.rejects {
				counts := fieldRejects
				if r.rejected {
					counts = rows.Rejects
				}
				if counts[r.field] == nil {
					counts[r.field] = map[string]int64{}
				}
				counts[r.field][string(r.reason)]++
			}
			ids.add(j.idHashes)
			if err := rej.write(j.rejects); err != nil {
				writeErr = err
			}
			if len(j.ids) > 0 && writeErr == nil {
				wb.RecordIDs, wb.CLKs, wb.Tokens, wb.TokenValid, wb.Attributes = j.ids, j.clks, j.toks, j.tokValid, j.attrs
				if err := out.Write(&wb); err != nil {
					writeErr = fmt.Errorf("token file: %w", err)
				}
			}
			if writeErr != nil {
				cancel()
				break
			}
			if o.Progress != nil {
				o.Progress(rows.Read)
			}
			j.batch = nil
			free <- j
		}
	}
	if writeErr != nil {
		return nil, writeErr
	}
	select {
	case err := <-encErr:
		return nil, err
	default:
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rows.Read == 0 {
		return nil, exitcode.Inputf("%s has a header but no data rows: nothing to tokenize", o.Input)
	}
	var tally dateTally
	for w := range dobs {
		tally.merge(&dobs[w])
	}
	if o.standIns == nil {
		if days, missing := tally.yearOnlyDays(tally.standIns()); len(days)+len(missing) > 0 {
			return secondPass(ctx, o, log, &tally, &standInDates{missing: missing, yearOnlyDays: days}, start)
		}
	}
	if plan.idCol >= 0 {
		if err := checkDuplicateIDs(&ids, &o, plan.idCol, plan.idColName); err != nil {
			return nil, err
		}
	}
	if o.MaxRejectRate >= 0 {
		rate := float64(rows.Rejected) / float64(rows.Read)
		if rate > o.MaxRejectRate {
			return nil, exitcode.Inputf("%d of %d rows (%.1f%%) were rejected, more than --max-reject-rate %g allows; nothing was written. Rejected rows by field and reason: %s",
				rows.Rejected, rows.Read, 100*rate, o.MaxRejectRate, formatCounts(rows.Rejects))
		}
	}
	maxField := o.MaxFieldRejectRate
	if maxField == 0 {
		maxField = DefaultMaxFieldRejectRate
	}
	if err := checkFields(fieldRejects, rows.Rejects, rows.Read, maxField); err != nil {
		return nil, err
	}
	if err := checkMapping(mapping, o.AllowSuspectMapping); err != nil {
		return nil, err
	}
	var crowded []postcodeCount
	if sp := o.Schema.Native; sp != nil {
		if i := postcodeField(sp); i >= 0 {
			var tally postcodeTally
			for w := range pcs {
				tally.merge(&pcs[w])
			}
			if crowded, err = checkPostcodes(&tally, rows.Encoded, sp.Fields[i].Name, log); err != nil {
				return nil, err
			}
		}
	}
	// Commit the rejects file first: if the token file then failed to
	// commit, remove it again so that nothing is left half done.
	rejPath, err := rej.commit(rows.Rejected > 0 || len(fieldRejects) > 0)
	if err != nil {
		return nil, err
	}
	if err := out.Close(rows); err != nil {
		rej.remove()
		return nil, fmt.Errorf("token file: %w", err)
	}
	log.Debug("tokenize: done", "dataset", o.Dataset, "rows_read", rows.Read, "encoded", rows.Encoded,
		"rejected", rows.Rejected, "output", o.Output)
	if len(fieldRejects) > 0 {
		log.Info("tokenize: fields left out of encoded rows", "counts", formatCounts(fieldRejects))
	}
	if tally.partial > 0 {
		msg := fmt.Sprintf("tokenize: %d encoded rows hold a date of birth known only to the month or the year: it salts the CLK and fills its date bits as far as it goes; rules on the whole date, its day and month leave it out", tally.partial)
		if 2*tally.partial > rows.Encoded {
			// Most rows: the rules that need the date cannot link them.
			log.Warn(msg + fmt.Sprintf(" (%.0f%% of the encoded rows: is the whole date in another column, or the year the only one the extract gives?)", 100*float64(tally.partial)/float64(rows.Encoded)))
		} else {
			log.Info(msg)
		}
	}
	res := &Result{Output: o.Output, Rejects: rejPath, Manifest: out.Manifest(), FieldIssues: fieldRejects,
		PartialDates: tally.partial, CrowdedPostcodes: len(crowded), CrowdedPostcodeRows: sumRows(crowded),
		Elapsed: time.Since(start)}
	if o.standIns != nil {
		res.StandInDates, res.YearOnlyDays = len(o.standIns.missing), o.standIns.yearOnlyDays
	}
	return res, nil
}

// secondPass encodes the extract again with the dates of birth the first
// pass found to be stand-ins (datespike.go) read as missing, and the dates
// on a day the extract writes for a year alone read as their year. The
// first pass's temporary files are removed by its deferred aborts. An input
// that cannot be read twice (a pipe) is refused instead, with what to do.
func secondPass(ctx context.Context, o Options, log *slog.Logger, tally *dateTally, found *standInDates, start time.Time) (*Result, error) {
	field := "dob"
	if sp := o.Schema.Native; sp != nil {
		field = sp.Fields[dobField(sp)].Name
	}
	var todo []string
	yearOnlyRows := tally.yearOnlyRows(found.yearOnlyDays, found.missing)
	if len(found.yearOnlyDays) > 0 {
		todo = append(todo, fmt.Sprintf("%d rows hold a date on the %s, of many years, far more often than the days around it: a system's way of writing a date known only to its year, so every date on that day is read as the year alone",
			yearOnlyRows, dayNames(found.yearOnlyDays)))
	}
	if missing := found.missing; len(missing) > 0 {
		rows, first := tally.held(missing)
		what := fmt.Sprintf("%d rows share one date (the first at row %d), more than %d times as many rows as the days around it hold: a stand-in some system writes for an unknown date, which would link strangers, read as missing", rows, first, standInFactor)
		if len(missing) > 1 {
			what = fmt.Sprintf("%d rows share %d dates (the first at row %d), each holding more than %d times as many rows as the days around it: stand-ins some system writes for an unknown date, which would link strangers, read as missing", rows, len(missing), first, standInFactor)
		}
		todo = append(todo, what+" (the rejects file lists the rows as placeholder; name the value in the input mapping's missing_values to skip this pass)")
	}
	if st, err := os.Stat(o.Input); err != nil || !st.Mode().IsRegular() {
		return nil, exitcode.Inputf("field %s: %s; %s is not a regular file, so it cannot be encoded a second time: name a stand-in in the input mapping's missing_values, or tokenize from a file. Nothing was written",
			field, strings.Join(todo, "; "), o.Input)
	}
	log.Warn(fmt.Sprintf("tokenize: field %s: %s. Encoding the extract again", field, strings.Join(todo, "; ")))
	o.standIns = found
	res, err := Tokenize(ctx, o)
	if err != nil {
		return nil, err
	}
	res.StandInRows, _ = tally.held(found.missing)
	res.YearOnlyRows = yearOnlyRows
	res.Elapsed = time.Since(start)
	return res, nil
}

// dayNames names days of the year: "1st of January and of July".
func dayNames(days []MonthDay) string {
	var names []string
	for _, d := range days {
		names = append(names, time.Month(d.Month).String())
	}
	// conventionDays are all firsts of a month.
	return "1st of " + strings.Join(names, " and of ")
}

// standInDates are the dates of birth found to be stand-ins, read as
// missing, and the days of the year on which every date is read as its
// year alone (datespike.go).
type standInDates struct {
	missing      []Date
	yearOnlyDays []MonthDay
}

// safeEncode runs enc on j, turning a panic (a bug) into an error that
// names the batch's rows: a stack trace could otherwise reach the terminal,
// and the run must still clean up its temporary files.
func safeEncode(enc batchEncoder, j *job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error encoding rows %d to %d (please report it)", j.batch.FirstRow, j.batch.FirstRow+int64(len(j.batch.Rows))-1)
		}
	}()
	return enc.encodeBatch(j)
}

// job is one batch on its way through the pipeline, with the worker's
// results. Its slices are reused when the job comes back to the free list.
type job struct {
	seq   int64
	batch *table.Batch

	ids      []string
	idHashes []uint64 // of every row with a usable record ID, encoded or not
	clks     []byte
	toks     [][]byte
	tokValid [][]bool
	attrs    [][]string
	rejects  []rejectEntry
	rejected int
	mapping  mappingTally // rows the mapping checks looked at
	dobs     []Date       // the dates of birth of the encoded rows
	dobRows  []int64      // and their row numbers
	pcs      []uint64     // the postcodes of the encoded rows (postcodeKey)
	pcRows   []int64      // and their row numbers
}

// reset empties the job's results for nr rules and na attributes.
func (j *job) reset(nr, na int) {
	j.ids = j.ids[:0]
	j.idHashes = j.idHashes[:0]
	j.clks = j.clks[:0]
	j.rejects = j.rejects[:0]
	j.rejected = 0
	j.mapping = mappingTally{}
	j.dobs, j.dobRows = j.dobs[:0], j.dobRows[:0]
	j.pcs, j.pcRows = j.pcs[:0], j.pcRows[:0]
	if len(j.toks) != nr {
		j.toks = make([][]byte, nr)
		j.tokValid = make([][]bool, nr)
	}
	for r := range j.toks {
		j.toks[r] = j.toks[r][:0]
		j.tokValid[r] = j.tokValid[r][:0]
	}
	if len(j.attrs) != na {
		j.attrs = make([][]string, na)
	}
	for a := range j.attrs {
		j.attrs[a] = j.attrs[a][:0]
	}
}

// rejectEntry is one line of the rejects file.
type rejectEntry struct {
	row      int64
	field    string
	reason   Reason
	rejected bool // the row was rejected (else encoded without the field)
}

// datasetPattern is what a dataset name may look like: it ends up in
// manifests, match outputs and file names.
var datasetPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// checkOutputDir returns an input error when path is a directory or a
// directory above it is a regular file. A missing directory is fine: the
// output is written with atomicfile, which creates it (and removes it again
// if the run fails).
func checkOutputDir(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return exitcode.Inputf("output %s is a directory: give a file name", path)
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return exitcode.Inputf("output %s: %s is not a directory", path, dir)
			}
			return nil
		}
		if up := filepath.Dir(dir); up == dir {
			return nil
		}
	}
}

func formatCounts(c map[string]map[string]int64) string {
	var s string
	for _, f := range sortedKeys(c) {
		for _, r := range sortedKeys(c[f]) {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%s/%s=%d", f, r, c[f][r])
		}
	}
	if s == "" {
		return "none"
	}
	return s
}
