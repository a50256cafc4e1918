package linkage

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// Shard is one share of a match's candidate search: shard Index of Count
// (0 ≤ Index < Count). The zero Shard is the whole search.
//
// A search is a list of queries (the records of A, or for an exhaustive
// search A's records in popcount order), each of which finds its own pairs:
// every pair belongs to exactly one query (within a dataset, to the query
// of the pair's first record in that order), and every count the search
// keeps is a sum over queries. Shard i of n takes the queries
// [len·i/n, len·(i+1)/n) of every dataset pair, so the shards' pairs are
// disjoint, their union is the whole search's, and their counts add up to
// the whole search's. What is decided over all queries (the LSH plan, the
// method, the token values too common to join) depends only on the
// inputs, so every shard decides it alike.
type Shard struct{ Index, Count int }

// Whole reports whether s is the whole search.
func (s Shard) Whole() bool { return s.Count <= 1 }

// String returns "I/N".
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// span returns the queries [lo, hi) of n that the shard takes.
func (s Shard) span(n int) (lo, hi int) {
	if s.Whole() {
		return 0, n
	}
	return int(int64(n) * int64(s.Index) / int64(s.Count)), int(int64(n) * int64(s.Index+1) / int64(s.Count))
}

// MaxShards is the most shards a search can be split into.
const MaxShards = 4096

// ParseShard parses "I/N" (0 ≤ I < N ≤ MaxShards).
func ParseShard(v string) (Shard, error) {
	is, ns, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > MaxShards || i < 0 || i >= n {
		return Shard{}, exitcode.Inputf("--shard %q: give I/N, the shard's index from 0 and the number of shards, with 0 <= I < N <= %d (e.g. 0/4; Slurm: $SLURM_ARRAY_TASK_ID/N, Kubernetes: $JOB_COMPLETION_INDEX/N)", v, MaxShards)
	}
	return Shard{Index: i, Count: n}, nil
}

// ContentDigest is a SHA-256 over what a match reads of the dataset (name,
// record IDs, CLKs, rules and tokens), in hex. Shards and their merge
// compare it to be sure they read the same data; the same tokens sealed
// twice (age output differs each time) have the same digest.
func (d *Dataset) ContentDigest() string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(d.Name))
	binary.LittleEndian.PutUint64(n[:], uint64(d.Len()))
	h.Write(n[:])
	for _, id := range d.RecordIDs {
		field([]byte(id))
	}
	field(d.CLKs)
	for r, rule := range d.Rules {
		field([]byte(rule))
		field(d.Tokens[r])
		valid := make([]byte, len(d.Valid[r]))
		for i, v := range d.Valid[r] {
			if v {
				valid[i] = 1
			}
		}
		field(valid)
	}
	return hex.EncodeToString(h.Sum(nil))
}
