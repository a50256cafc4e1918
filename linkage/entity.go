package linkage

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
)

// RecordKey names one record of one dataset.
type RecordKey struct {
	Dataset  string
	RecordID string
}

// Entity is one cluster of records (one person) with its identifier.
type Entity struct {
	ID      string
	Members []RecordKey // sorted by (dataset, record ID)
	// OptedOut: a record of the entity matches an opt-out register entry
	// (optout.go); cohorts leave the entity out.
	OptedOut bool
}

// StabilityStats compares this run's entities with a previous run's.
type StabilityStats struct {
	PreviousEntities int `json:"previous_entities"`
	KeptIDs          int `json:"kept_ids"`    // entities that kept a previous ID
	NewIDs           int `json:"new_ids"`     // entities with a new ID
	RetiredIDs       int `json:"retired_ids"` // previous IDs no entity kept
	Merges           int `json:"merges"`      // entities holding records of two or more previous entities
	Splits           int `json:"splits"`      // previous entities whose records are now in two or more entities
	RecordsNew       int `json:"records_new"` // records that were not in the previous run
}

// entityID derives a new entity's ID from its members: "E" and the first 16
// hex digits of SHA-256 over the sorted "dataset\x00record_id\n" lines, plus
// a counter when that ID is already taken. It depends only on the
// membership, so the same records give the same ID on every run.
func entityID(members []RecordKey, salt int) string {
	n := 0
	for _, m := range members {
		n += len(m.Dataset) + len(m.RecordID) + 2
	}
	buf := make([]byte, 0, n+8)
	for _, m := range members {
		buf = append(buf, m.Dataset...)
		buf = append(buf, 0)
		buf = append(buf, m.RecordID...)
		buf = append(buf, '\n')
	}
	if salt > 0 {
		buf = append(buf, '#')
		buf = strconv.AppendInt(buf, int64(salt), 10)
	}
	sum := sha256.Sum256(buf)
	return "E" + hex.EncodeToString(sum[:8])
}

func compareKeys(x, y RecordKey) int {
	if c := cmp.Compare(x.Dataset, y.Dataset); c != 0 {
		return c
	}
	return cmp.Compare(x.RecordID, y.RecordID)
}

// AssignIDs gives each entity (members sorted) its ID. Without a previous
// run (previous nil) every ID derives from the membership. With one
// (previous maps record → old entity ID), each new entity takes the old ID
// that most of its records had, provided no other new entity holds more of
// that old entity's records (greedy on overlap, largest first, ties by old
// ID then new membership), so records that stay together keep their ID;
// the rest get membership-derived IDs that differ from every old ID.
// Entities are returned sorted by ID.
func AssignIDs(entities []Entity, previous map[RecordKey]string) ([]Entity, StabilityStats) {
	var st StabilityStats
	taken := map[string]bool{}
	parallelFor(len(entities), 1<<12, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			entities[i].ID = entityID(entities[i].Members, 0) // provisional, for tie-breaking
		}
	})
	if previous != nil {
		oldMembers := map[string]int{}
		for _, id := range previous {
			oldMembers[id]++
			taken[id] = true
		}
		st.PreviousEntities = len(oldMembers)
		type overlap struct {
			entity int
			old    string
			n      int
		}
		var cands []overlap
		oldSpread := map[string]int{} // old ID → number of new entities holding its records
		for i, e := range entities {
			counts := map[string]int{}
			for _, m := range e.Members {
				if id, ok := previous[m]; ok {
					counts[id]++
				} else {
					st.RecordsNew++
				}
			}
			if len(counts) >= 2 {
				st.Merges++
			}
			for id, n := range counts {
				cands = append(cands, overlap{i, id, n})
				oldSpread[id]++
			}
		}
		for _, n := range oldSpread {
			if n >= 2 {
				st.Splits++
			}
		}
		slices.SortFunc(cands, func(x, y overlap) int {
			if c := cmp.Compare(y.n, x.n); c != 0 {
				return c
			}
			if c := cmp.Compare(x.old, y.old); c != 0 {
				return c
			}
			return cmp.Compare(entities[x.entity].ID, entities[y.entity].ID)
		})
		assigned := make([]bool, len(entities))
		used := map[string]bool{}
		for _, c := range cands {
			if assigned[c.entity] || used[c.old] {
				continue
			}
			assigned[c.entity], used[c.old] = true, true
			entities[c.entity].ID = c.old
			st.KeptIDs++
		}
		st.RetiredIDs = len(oldMembers) - len(used)
		for i := range entities {
			if assigned[i] {
				continue
			}
			id := entities[i].ID // provisional: salt 0
			for salt := 1; taken[id]; salt++ {
				id = entityID(entities[i].Members, salt)
			}
			entities[i].ID = id
			taken[id] = true
			st.NewIDs++
		}
	} else {
		for i := range entities {
			id := entities[i].ID               // salt 0, computed above
			for salt := 1; taken[id]; salt++ { // a 64-bit collision is all but impossible; stay unique anyway
				id = entityID(entities[i].Members, salt)
			}
			entities[i].ID = id
			taken[id] = true
		}
		st.NewIDs = len(entities)
	}
	return sortByID(entities), st
}

// sortByID returns entities sorted by ID. Each ID's first 8 bytes, as a
// big-endian integer, order the entities as the strings do except on a
// tie, which the whole strings break; the integers and positions are
// sorted on every core (parallelSort) and each entity moved once. Sorting
// the entities themselves, string by string, was most of the entity
// stage on millions of entities.
func sortByID(entities []Entity) []Entity {
	type key struct {
		prefix uint64
		idx    uint32
	}
	keys := make([]key, len(entities))
	for i, e := range entities {
		var b [8]byte
		copy(b[:], e.ID)
		keys[i] = key{binary.BigEndian.Uint64(b[:]), uint32(i)}
	}
	keys = parallelSort(keys, func(x, y key) int {
		if x.prefix != y.prefix {
			return cmp.Compare(x.prefix, y.prefix)
		}
		return cmp.Or(cmp.Compare(entities[x.idx].ID, entities[y.idx].ID), cmp.Compare(x.idx, y.idx))
	})
	sorted := make([]Entity, len(entities))
	for i, k := range keys {
		sorted[i] = entities[k.idx]
	}
	return sorted
}
