package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/pprl/pprl/internal/atomicfile"
)

// chunkPeople is the number of people generated per chunk. It is part of
// the output's definition (each chunk has its own random stream): changing
// it changes every file for a given seed.
const chunkPeople = 4096

// Random stream labels: each chunk draws its population from one stream and
// each agency's records from another, so streams never interleave.
const (
	streamPopulation = 1
	streamRender     = 16 // + agency index
)

// Extract summarises one agency's extract.
type Extract struct {
	Agency     string
	File       string // path relative to the output directory
	Rows       int    // records written
	People     int    // distinct people among them
	Duplicates int    // Rows - People
}

// Result summarises a Generate run.
type Result struct {
	Dir      string
	People   int
	Children int
	Parents  int
	Extracts []Extract
}

// ErrNotEmpty is returned (wrapped) when the output directory exists, is
// not empty and Config.Force is not set.
var ErrNotEmpty = errors.New("output directory exists and is not empty (use --force to replace it)")

// chunk is a slice of the population on its way through the pipeline:
// generated (in parallel), numbered (in order), rendered (in parallel) and
// written (in order).
type chunk struct {
	index    int
	start    int64 // id of the first person
	people   []person
	recStart [numAgencies]uint64 // sequence number of the chunk's first record per agency
	csv      [numAgencies][]byte
	truth    [numAgencies][]byte
	rows     [numAgencies]int
	held     [numAgencies]int // distinct people with records
	genDone  chan struct{}
	rendDone chan struct{}
}

// generator holds the settings shared by every chunk.
type generator struct {
	cfg      Config
	model    *populationModel
	specs    [numAgencies]*agencySpec
	enabled  [numAgencies]bool
	corrupt  [numAgencies]*corrupter
	perm     [numAgencies]*idPermutation
	idDigits [numAgencies]int
}

func newGenerator(cfg Config) (*generator, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t, err := loadTables()
	if err != nil {
		return nil, err
	}
	g := &generator{cfg: cfg, specs: agencySpecs()}
	g.model = &populationModel{t: t, asOf: fromTime(cfg.AsOf)}
	level := CorruptionLevels[cfg.Corruption]
	for a, s := range g.specs {
		g.model.overlap[a] = s.overlap
		if f, ok := cfg.Overlap[s.name]; ok {
			g.model.overlap[a] = f
		}
		g.model.dup[a] = min(0.95, s.dupRate*level)
		g.enabled[a] = slices.Contains(cfg.Agencies, s.name)
		g.corrupt[a] = &corrupter{model: g.model, rates: s.rates.scaled(level), chiHeld: s.chiHeld, hasCHI: s.has(fCHI)}
		// Enough digits for every record an agency could hold (each person
		// has at most 3 records), never fewer than the agency's usual width.
		digits, lim := 0, uint64(1)
		for lim < uint64(cfg.People)*3 {
			lim *= 10
			digits++
		}
		g.idDigits[a] = max(s.idDigits, digits)
		g.perm[a] = newIDPermutation(g.idDigits[a], splitmix(cfg.Seed^uint64(a+1)*0x632be59bd9b4e019))
	}
	return g, nil
}

// rng returns the random stream for a chunk and purpose.
func (g *generator) rng(chunk int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.cfg.Seed, splitmix(uint64(chunk)<<8|stream)))
}

// generate fills c.people: whole households until the chunk's quota is
// reached (the last household may be cut short), with agency membership.
func (g *generator) generate(c *chunk, quota int) {
	r := g.rng(c.index, streamPopulation)
	m := g.model
	c.people = make([]person, 0, quota+8)
	for len(c.people) < quota {
		h := m.household(r)
		addr := new(address)
		*addr = h.addr
		// Agency membership. Every person takes the same number of draws
		// whatever the overlaps, so the population does not depend on them.
		hRisk := r.Float64()
		anyKidSW := false
		first := len(c.people)
		for i := range h.people {
			p := &h.people[i]
			p.addr = addr
			var u [numAgencies + 4]float64
			for j := range u {
				u[j] = r.Float64()
			}
			risk := u[numAgencies]
			if u[numAgencies+1] < 0.7 {
				risk = hRisk // siblings tend to share a situation
			}
			in := [numAgencies]bool{}
			if p.role == roleChild {
				in[socialWork] = risk < m.overlap[socialWork]
				ov := m.overlap[childrensHearings]
				in[childrensHearings] = risk < 0.9*ov || u[numAgencies+2] < 0.1*ov
				in[education] = eligible(education, p, m.asOf) && u[education] < m.overlap[education]
				in[health] = u[health] < m.overlap[health]
				anyKidSW = anyKidSW || in[socialWork]
			} else {
				in[health] = u[health] < m.overlap[health]
				in[socialWork] = u[socialWork] < 0.65 // decided below, once the children are known
			}
			for a := range in {
				if !in[a] {
					continue
				}
				p.copies[a] = 1
				d := u[numAgencies+3]
				if d < m.dup[a] {
					p.copies[a]++
					if d < m.dup[a]/10 {
						p.copies[a]++
					}
				}
				// Reuse the duplicate draw across agencies only through
				// independent rescaling, so duplicates are not correlated.
				u[numAgencies+3] = splitUnit(d)
			}
			c.people = append(c.people, *p)
		}
		if !anyKidSW {
			for i := first; i < len(c.people); i++ {
				if c.people[i].role == roleParent {
					c.people[i].copies[socialWork] = 0
				}
			}
		}
	}
	c.people = c.people[:quota]
	for i := range c.people {
		c.people[i].id = c.start + int64(i)
	}
}

// splitUnit maps a uniform draw in [0,1) to another, nearly independent one.
func splitUnit(x float64) float64 {
	return float64(splitmix(uint64(x*(1<<53)))>>11) / (1 << 53)
}

// number gives the chunk's people their CHI numbers and the chunk's records
// their sequence numbers. It runs on one goroutine in chunk order.
func (g *generator) number(c *chunk, chi *chiAllocator, next *[numAgencies]uint64) {
	for i := range c.people {
		p := &c.people[i]
		p.chi = chi.assign(p.dob, p.sex)
	}
	for a := range numAgencies {
		c.recStart[a] = next[a]
		for i := range c.people {
			next[a] += uint64(c.people[i].copies[a])
		}
	}
}

// Generate writes the extracts, mappings, truth and public name lists that
// cfg describes into dir, atomically: everything is written to a temporary
// directory beside dir, which is renamed into place only when complete.
// An existing non-empty dir is refused (ErrNotEmpty) unless cfg.Force.
// Errors in cfg are returned before anything is written.
func Generate(ctx context.Context, cfg Config, dir string) (Result, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return Result{}, err
	}
	out, err := atomicfile.CreateDir(dir, g.cfg.Force)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return Result{}, fmt.Errorf("%s: %w", dir, ErrNotEmpty)
		}
		return Result{}, err
	}
	defer out.Abort()
	res, err := g.write(ctx, out.Path())
	if err != nil {
		return Result{}, err
	}
	if err := out.Commit(); err != nil {
		return Result{}, err
	}
	res.Dir = dir
	return res, nil
}

// sink is an output file being written through a buffer.
type sink struct {
	f *os.File
	w *bufio.Writer
}

func newSink(path string) (*sink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &sink{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (s *sink) close() error {
	if err := s.w.Flush(); err != nil {
		s.f.Close()
		return err
	}
	return s.f.Close()
}

// write runs the pipeline into the directory tmp.
func (g *generator) write(ctx context.Context, tmp string) (Result, error) {
	res := Result{People: g.cfg.People}
	for _, sub := range []string{"mapping", "public"} {
		if err := os.Mkdir(filepath.Join(tmp, sub), 0o755); err != nil {
			return res, err
		}
	}
	var csvs, truths [numAgencies]*sink
	defer func() {
		for a := range numAgencies {
			for _, s := range []*sink{csvs[a], truths[a]} {
				if s != nil {
					s.f.Close()
				}
			}
		}
	}()
	for a, s := range g.specs {
		if !g.enabled[a] {
			continue
		}
		var err error
		if csvs[a], err = newSink(filepath.Join(tmp, s.name+".csv")); err != nil {
			return res, err
		}
		if truths[a], err = newSink(filepath.Join(tmp, ".truth-"+s.name)); err != nil {
			return res, err
		}
		csvs[a].w.Write(s.header())
	}

	workers := g.cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nChunks := (g.cfg.People + chunkPeople - 1) / chunkPeople
	inFlight := 2*workers + 2
	sem := make(chan struct{}, inFlight)
	genQ := make(chan *chunk, inFlight)
	seqQ := make(chan *chunk, inFlight)
	rendQ := make(chan *chunk, inFlight)
	writeQ := make(chan *chunk, inFlight)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Producer: chunks in order, at most inFlight at a time.
	go func() {
		defer close(genQ)
		defer close(seqQ)
		for i := 0; i < nChunks; i++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			c := &chunk{index: i, start: int64(i) * chunkPeople, genDone: make(chan struct{}), rendDone: make(chan struct{})}
			genQ <- c
			seqQ <- c
		}
	}()
	for range workers {
		go func() {
			for c := range genQ {
				g.generate(c, min(chunkPeople, g.cfg.People-int(c.start)))
				close(c.genDone)
			}
		}()
		go func() {
			for c := range rendQ {
				g.render(c)
				close(c.rendDone)
			}
		}()
	}
	// Sequencer: numbering in chunk order.
	forenames, surnames := map[string]int{}, map[string]int{}
	go func() {
		defer close(rendQ)
		defer close(writeQ)
		chi := newCHIAllocator()
		var next [numAgencies]uint64
		for c := range seqQ {
			<-c.genDone
			g.number(c, chi, &next)
			for i := range c.people {
				p := &c.people[i]
				forenames[p.forename]++
				surnames[p.surname]++
			}
			rendQ <- c
			writeQ <- c
		}
	}()

	// Writer: in chunk order on this goroutine.
	var werr error
	done := 0
	var rows, held [numAgencies]int
	for c := range writeQ {
		<-c.rendDone
		if werr == nil {
			if err := ctx.Err(); err != nil {
				werr = err
				cancel()
			}
		}
		if werr == nil {
			for a := range numAgencies {
				if !g.enabled[a] {
					continue
				}
				csvs[a].w.Write(c.csv[a])
				if _, err := truths[a].w.Write(c.truth[a]); err != nil {
					werr = err
					cancel()
					break
				}
				rows[a] += c.rows[a]
				held[a] += c.held[a]
			}
			for i := range c.people {
				if c.people[i].role == roleChild {
					res.Children++
				} else {
					res.Parents++
				}
			}
			done += len(c.people)
			if g.cfg.Progress != nil {
				g.cfg.Progress(done, g.cfg.People)
			}
		}
		c.people, c.csv, c.truth = nil, [numAgencies][]byte{}, [numAgencies][]byte{}
		<-sem
	}
	if werr == nil {
		werr = ctx.Err() // cancelled before any chunk was made
	}
	if werr != nil {
		return res, werr
	}
	if done != g.cfg.People {
		return res, fmt.Errorf("synth: wrote %d of %d people", done, g.cfg.People)
	}

	// Close the extracts, then join the per-agency truth into truth.csv.
	truth, err := newSink(filepath.Join(tmp, "truth.csv"))
	if err != nil {
		return res, err
	}
	defer truth.f.Close()
	truth.w.WriteString("dataset,record_id,person_id,role,sex,birth_year,age_band,errors\n")
	for a, s := range g.specs {
		if !g.enabled[a] {
			continue
		}
		if err := csvs[a].close(); err != nil {
			return res, fmt.Errorf("write %s.csv: %w", s.name, err)
		}
		if err := truths[a].w.Flush(); err != nil {
			return res, fmt.Errorf("write truth: %w", err)
		}
		if _, err := truths[a].f.Seek(0, io.SeekStart); err != nil {
			return res, err
		}
		if _, err := io.Copy(truth.w, truths[a].f); err != nil {
			return res, fmt.Errorf("write truth: %w", err)
		}
		truths[a].f.Close()
		if err := os.Remove(truths[a].f.Name()); err != nil {
			return res, err
		}
		if err := writeMapping(filepath.Join(tmp, "mapping", s.name+".json"), s); err != nil {
			return res, err
		}
		res.Extracts = append(res.Extracts, Extract{
			Agency: s.name, File: s.name + ".csv", Rows: rows[a], People: held[a], Duplicates: rows[a] - held[a],
		})
	}
	if err := truth.close(); err != nil {
		return res, fmt.Errorf("write truth: %w", err)
	}
	if err := writeCounts(filepath.Join(tmp, "public", "forenames.csv"), forenames); err != nil {
		return res, err
	}
	if err := writeCounts(filepath.Join(tmp, "public", "surnames.csv"), surnames); err != nil {
		return res, err
	}
	return res, writeParams(filepath.Join(tmp, "synth.json"), &g.cfg)
}

// ageBand returns the truth file's age band for an age.
func ageBand(age int) string {
	switch {
	case age <= 4:
		return "0-4"
	case age <= 11:
		return "5-11"
	case age <= 15:
		return "12-15"
	case age <= 17:
		return "16-17"
	}
	return "18+"
}

// asOfString is the extract date as YYYY-MM-DD.
func asOfString(t time.Time) string { return t.Format(time.DateOnly) }
