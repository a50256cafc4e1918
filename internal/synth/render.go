package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
)

// header returns the extract's header line.
func (s *agencySpec) header() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = s.delimiter
	names := make([]string, len(s.columns))
	for i, c := range s.columns {
		names[i] = c.name
	}
	w.Write(names)
	w.Flush()
	return b.Bytes()
}

// render writes the chunk's records for every enabled agency, in an order
// shuffled within the chunk, with their truth rows.
func (g *generator) render(c *chunk) {
	type entry struct {
		p    int32 // index into c.people
		copy uint8
	}
	var entries []entry
	for a, s := range g.specs {
		if !g.enabled[a] {
			continue
		}
		r := g.rng(c.index, streamRender+uint64(a))
		entries = entries[:0]
		for i := range c.people {
			n := c.people[i].copies[a]
			if n > 0 {
				c.held[a]++
			}
			for k := uint8(0); k < n; k++ {
				entries = append(entries, entry{int32(i), k})
			}
		}
		r.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		var out, truth bytes.Buffer
		out.Grow(len(entries) * 120)
		truth.Grow(len(entries) * 48)
		w := csv.NewWriter(&out)
		w.Comma = s.delimiter
		row := make([]string, len(s.columns))
		cor := g.corrupt[a]
		for j, e := range entries {
			p := &c.people[e.p]
			id := s.recordID(g.perm[a].apply(c.recStart[a]+uint64(j)), g.idDigits[a])
			var applied [numKinds]bool
			rec := cor.corrupt(r, p, &applied)
			g.fillRow(r, s, row, id, p, &rec)
			w.Write(row)
			age := p.dob.ageOn(g.model.asOf)
			truth.WriteString(s.name)
			truth.WriteByte(',')
			truth.WriteString(id)
			truth.WriteString(",P")
			truth.WriteString(fmt.Sprintf("%08d", p.id))
			if p.role == roleChild {
				truth.WriteString(",child,")
			} else {
				truth.WriteString(",parent,")
			}
			if p.sex == sexMale {
				truth.WriteString("male,")
			} else {
				truth.WriteString("female,")
			}
			truth.WriteString(strconv.Itoa(p.dob.y))
			truth.WriteByte(',')
			truth.WriteString(ageBand(age))
			truth.WriteByte(',')
			sep := ""
			for k, on := range applied {
				if on {
					truth.WriteString(sep)
					truth.WriteString(kind(k).String())
					sep = "+"
				}
			}
			truth.WriteByte('\n')
		}
		w.Flush()
		c.csv[a], c.truth[a], c.rows[a] = out.Bytes(), truth.Bytes(), len(entries)
	}
}

// fillRow formats rec as agency s writes it.
func (g *generator) fillRow(r *rand.Rand, s *agencySpec, row []string, id string, p *person, rec *record) {
	up := func(v string) string {
		if s.upper {
			return strings.ToUpper(v)
		}
		return v
	}
	for i, col := range s.columns {
		var v string
		switch col.field {
		case fRecordID:
			v = id
		case fForename:
			v = up(rec.forename)
		case fMiddle:
			v = up(rec.middle)
		case fSurname:
			v = up(rec.surname)
		case fDOB:
			switch {
			case rec.dob.missing() && !s.unknownDOB.missing():
				v = s.unknownDOB.format(s.dateLayout)
			case rec.yearOnly && s.yearOnlyJan1:
				v = date{rec.dob.y, 1, 1}.format(s.dateLayout)
			case rec.yearOnly:
				v = rec.dob.formatYear(s.dateLayout)
			default:
				v = rec.dob.format(s.dateLayout)
			}
		case fSex:
			v = s.sexCodes[rec.sex]
		case fAddress:
			v = rec.line1
			if s.townInLine && v != "" {
				v += ", " + rec.town
			}
			v = up(v)
		case fTown:
			v = up(rec.town)
		case fPostcode:
			v = rec.postcode
		case fCHI:
			v = rec.chi
		case fClientType:
			v = "Child"
			if p.role == roleParent {
				v = "Parent/Carer"
			}
		case fLAC:
			if p.role == roleChild {
				v = lacStatuses.pick(r)
			}
		case fStage:
			v = stageFor(p.dob.ageOn(g.model.asOf))
		case fGP:
			v = gpPractice(r, rec.district)
		case fReferral:
			asOf := g.model.asOf.time()
			born := p.dob.time()
			span := int(asOf.Sub(born).Hours()/24) - 1
			v = fromTime(asOf.AddDate(0, 0, -r.IntN(max(1, min(span, 3*365))))).format(s.dateLayout)
		case fGround:
			v = grounds.pick(r)
		}
		row[i] = v
	}
}

// mapping is the input mapping file of docs/architecture.md.
type mapping struct {
	MappingVersion int                 `json:"mapping_version"`
	RecordID       string              `json:"record_id"`
	Columns        map[string]string   `json:"columns"`
	DateFormats    map[string][]string `json:"date_formats"`
	SexCodes       map[string]string   `json:"sex_codes"`
	Delimiter      string              `json:"delimiter"`
}

// mappingFor returns agency s's input mapping.
func mappingFor(s *agencySpec) mapping {
	m := mapping{
		MappingVersion: 1,
		RecordID:       s.idColumn(),
		Columns:        map[string]string{},
		DateFormats:    map[string][]string{"dob": {s.dateLayout}},
		SexCodes: map[string]string{
			s.sexCodes[0]: "male", s.sexCodes[1]: "female", s.sexCodes[2]: "unknown",
		},
		Delimiter: string(s.delimiter),
	}
	for _, c := range s.columns {
		if c.std != "" {
			m.Columns[c.std] = c.name
		}
	}
	return m
}

// writeMapping writes agency s's input mapping as indented JSON.
func writeMapping(path string, s *agencySpec) error {
	b, err := json.MarshalIndent(mappingFor(s), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// writeCounts writes a name,count list, most frequent first, ties by name.
func writeCounts(path string, counts map[string]int) error {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if counts[names[i]] != counts[names[j]] {
			return counts[names[i]] > counts[names[j]]
		}
		return names[i] < names[j]
	})
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"name", "count"})
	for _, n := range names {
		w.Write([]string{n, strconv.Itoa(counts[n])})
	}
	w.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// params is synth.json: how the directory was made, so it can be made again.
type params struct {
	Generator  string             `json:"generator"`
	People     int                `json:"people"`
	Seed       uint64             `json:"seed"`
	AsOf       string             `json:"as_of"`
	Agencies   []string           `json:"agencies"`
	Overlap    map[string]float64 `json:"overlap"`
	Corruption string             `json:"corruption"`
}

func writeParams(path string, c *Config) error {
	ov := DefaultOverlap()
	for k, v := range c.Overlap {
		ov[k] = v
	}
	b, err := json.MarshalIndent(params{
		Generator: "pprl synth", People: c.People, Seed: c.Seed, AsOf: asOfString(c.AsOf),
		Agencies: c.Agencies, Overlap: ov, Corruption: c.Corruption,
	}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
