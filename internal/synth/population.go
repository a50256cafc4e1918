package synth

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Sex of a person in the population (the truth, before any agency codes it).
const (
	sexMale   byte = 0
	sexFemale byte = 1
)

// Role of a person in their household.
const (
	roleChild  byte = 0
	roleParent byte = 1
)

// address is where a household lives.
type address struct {
	line1    string // e.g. "Flat 2/1, 45 Maryhill Road"
	town     string
	postcode string // canonical: outward, space, inward
	district int    // index into tables.districts
}

// person is one member of the population with their true identifiers and
// the agencies that hold records about them.
type person struct {
	id         int64 // global person number, 0-based, in generation order
	role       byte
	sex        byte
	forename   string
	middle     string // "" or one or two names separated by a space
	surname    string
	altSurname string // a surname the person is also known by (maiden, step-parent's, ...)
	dob        date
	chi        string // assigned in chunk order, after generation
	addr       *address
	// copies[a] is how many records agency a holds about this person:
	// 0 (absent), 1, or more (duplicates within the agency).
	copies [numAgencies]uint8
}

// household is a set of parents and children at one address.
type household struct {
	addr   address
	people []person
}

// populationModel holds the draws shared by every chunk.
type populationModel struct {
	t       *tables
	asOf    date
	overlap [numAgencies]float64
	dup     [numAgencies]float64 // duplicate-record rate per agency
}

// Household shapes: number of children, with invented weights.
var childCounts = &weighted{values: []string{"1", "2", "3", "4", "5", "6"}, cum: cumulative(380, 370, 170, 55, 18, 7)}

func cumulative(w ...uint64) []uint64 {
	c := make([]uint64, len(w))
	var s uint64
	for i, v := range w {
		s += v
		c[i] = s
	}
	return c
}

// inwardLetters are the letters a postcode's inward code may use (not C, I,
// K, M, O or V).
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// newAddress draws an address in district di (or anywhere when di < 0).
func (m *populationModel) newAddress(r *rand.Rand, di int) address {
	t := m.t
	if di < 0 {
		di = t.district.pickIndex(r)
	}
	dist := t.districts[di]
	var street string
	if r.IntN(5) == 0 {
		street = t.fixed[r.IntN(len(t.fixed))]
	} else {
		street = t.stems[r.IntN(len(t.stems))] + " " + t.suffixes.pick(r)
	}
	num := 1 + r.IntN(120)
	if r.IntN(4) == 0 {
		num += r.IntN(200)
	}
	line := strconv.Itoa(num) + " " + street
	switch dist.town {
	case "Glasgow", "Dundee", "Paisley", "Clydebank":
		if r.IntN(3) == 0 { // tenement flats: floor/flat
			line = "Flat " + strconv.Itoa(r.IntN(4)) + "/" + strconv.Itoa(1+r.IntN(3)) + ", " + line
		}
	case "Edinburgh":
		if r.IntN(3) == 0 { // stair/flat
			line = strconv.Itoa(num) + "/" + strconv.Itoa(1+r.IntN(12)) + " " + street
		}
	case "Aberdeen":
		if r.IntN(5) == 0 {
			line = "Flat " + string(rune('A'+r.IntN(6))) + ", " + line
		}
	}
	digit := byte('0' + 1 + r.IntN(9))
	if r.IntN(40) == 0 {
		digit = '0'
	}
	pc := dist.outward + " " + string([]byte{digit, inwardLetters[r.IntN(len(inwardLetters))], inwardLetters[r.IntN(len(inwardLetters))]})
	return address{line1: line, town: dist.town, postcode: pc, district: di}
}

// forename draws a forename for sex and birth year, avoiding the names in
// avoid (siblings' and the person's own other names).
func (m *populationModel) forename(r *rand.Rand, sex byte, year int, avoid ...string) string {
	w := m.t.forenames[sex][eraIndex(year)]
	var n string
	for try := 0; try < 4; try++ {
		n = w.pick(r)
		clash := false
		for _, a := range avoid {
			if a == n {
				clash = true
				break
			}
		}
		if !clash {
			break
		}
	}
	return n
}

// middleNames draws zero, one or two middle names.
func (m *populationModel) middleNames(r *rand.Rand, sex byte, year int, forename string) string {
	x := r.Float64()
	switch {
	case x < 0.40:
		return ""
	case x < 0.93:
		return m.forename(r, sex, year, forename)
	default:
		a := m.forename(r, sex, year, forename)
		return a + " " + m.forename(r, sex, year, forename, a)
	}
}

// birthDate draws a date of birth for someone aged age on m.asOf.
func (m *populationModel) birthDate(r *rand.Rand, age int) date {
	// The last birthday before asOf, minus 0..364 days.
	ref := m.asOf.time().AddDate(-age, 0, 0)
	return fromTime(ref.AddDate(0, 0, -r.IntN(365)))
}

// household draws one household: one or two parents or carers and their
// children. Person ids, CHIs and agency membership are filled in later.
func (m *populationModel) household(r *rand.Rand) household {
	t := m.t
	h := household{addr: m.newAddress(r, -1)}
	nKids := childCounts.pickIndex(r) + 1

	// Children's ages: spaced one to five years apart, sometimes twins.
	ages := make([]int, nKids)
	ages[0] = r.IntN(18)
	for i := 1; i < nKids; i++ {
		if r.IntN(60) == 0 {
			ages[i] = -1 // twin of the previous child
			continue
		}
		prev := ages[i-1]
		if prev < 0 {
			prev = ages[i-2]
		}
		ages[i] = prev + 1 + r.IntN(5)
		if ages[i] > 17 {
			ages[i] = r.IntN(18)
		}
	}
	oldest := 0
	for _, a := range ages {
		oldest = max(oldest, a)
	}

	// Parents: a couple (mostly opposite sex) or a single parent (mostly a mother).
	single := r.Float64() < 0.30
	p1 := person{role: roleParent, sex: sexFemale}
	if single && r.Float64() < 0.12 || !single && r.Float64() < 0.15 {
		p1.sex = sexMale
	}
	p1Age := min(60, max(18, oldest+18+r.IntN(20)+r.IntN(10)))
	p1.dob = m.birthDate(r, p1Age)
	p1.surname = t.surnames.pick(r)
	p1.forename = m.forename(r, p1.sex, p1.dob.y)
	p1.middle = m.middleNames(r, p1.sex, p1.dob.y, p1.forename)
	// A maiden or former married name: mostly for women.
	p1.altSurname = t.surnames.pick(r)
	if p1.sex == sexMale && r.IntN(10) != 0 {
		p1.altSurname = ""
	}
	h.people = append(h.people, p1)
	var partner *person
	if !single {
		p2 := person{role: roleParent, sex: 1 - p1.sex}
		if r.Float64() < 0.04 {
			p2.sex = p1.sex
		}
		p2Age := min(60, max(18, p1Age+r.IntN(9)-2))
		p2.dob = m.birthDate(r, p2Age)
		p2.forename = m.forename(r, p2.sex, p2.dob.y, p1.forename)
		p2.middle = m.middleNames(r, p2.sex, p2.dob.y, p2.forename)
		if r.Float64() < 0.5 {
			// Married and sharing a name: the one who changed it keeps
			// their birth surname as the alternative.
			p2.surname = p1.surname
			p2.altSurname = t.surnames.pick(r)
		} else {
			p2.surname = t.surnames.pick(r)
			p2.altSurname = p1.surname
		}
		h.people = append(h.people, p2)
		partner = &h.people[1]
	}

	// The children's surname: mostly the first parent's; otherwise the
	// partner's, both joined, or an absent parent's.
	kidSurname, kidAlt := p1.surname, t.surnames.pick(r)
	if partner != nil && partner.surname != p1.surname {
		kidAlt = partner.surname
	}
	if x := r.Float64(); x < 0.20 {
		kidAlt = p1.surname
		switch {
		case partner != nil && partner.surname != p1.surname && x < 0.08:
			kidSurname = partner.surname
		case partner != nil && partner.surname != p1.surname && x < 0.11:
			kidSurname = joinSurnames(p1.surname, partner.surname)
		default:
			kidSurname = t.surnames.pick(r)
			if kidSurname == p1.surname {
				kidSurname = t.surnames.pick(r)
			}
		}
	}
	var names []string
	for i, a := range ages {
		c := person{role: roleChild, sex: byte(r.IntN(100) / 51), surname: kidSurname, altSurname: kidAlt}
		if a < 0 && i > 0 { // twin
			prev := h.people[len(h.people)-1]
			c.dob = prev.dob
		} else {
			c.dob = m.birthDate(r, a)
		}
		c.forename = m.forename(r, c.sex, c.dob.y, names...)
		c.middle = m.middleNames(r, c.sex, c.dob.y, c.forename)
		names = append(names, c.forename)
		h.people = append(h.people, c)
	}
	return h
}

// joinSurnames makes a hyphenated double-barrelled surname, unless either
// name is already double.
func joinSurnames(a, b string) string {
	if strings.ContainsAny(a, "- ") || strings.ContainsAny(b, "- ") {
		return a
	}
	return a + "-" + b
}
