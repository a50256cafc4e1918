// Package bloom provides the Bloom-filter core of pprl: fixed-length bit
// filters in clkhash's byte order, tokenizers, keyed position generators,
// CLK encoding with opt-in hardening, and Dice similarity kernels. It
// imports nothing else of pprl.
//
// # Filters
//
// A filter is a []byte of bits/8 bytes, bits a positive multiple of 64
// (DefaultBits = 1024). Bit 0 is the most significant bit of byte 0, as in
// clkhash, so a filter's bytes and its base64 (EncodeBase64, DecodeBase64:
// standard alphabet with padding, embedded newlines accepted) are
// interchangeable with clkhash and anonlink. SetBit, Bit, FlipBit,
// Popcount, AndPopcount, Dice, Fold and FoldN work on such slices.
//
// # Encoding
//
// A Config lists Fields; each Field names a Tokenizer (NGram, Exact,
// Numeric), a HashScheme (RandomHashing — the native default —, or
// clkhash's DoubleHashing and BlakeHashing for compatibility) and either
// BitsPerToken or BitsPerFeature. NewEncoder validates the Config; an
// Encoder then turns one record (one value per field) into one filter:
//
//	enc, err := bloom.NewEncoder(cfg)     // once
//	clk, err := enc.EncodeSalted(buf[:0], values, yearOfBirth)
//
// Each field's tokens are hashed into a filter of Bits·2^Folds bits, the
// fields' bits are OR-ed, the filter is XOR-folded Folds times, and the
// Hardening steps run in order. Encoders hold scratch state (hash contexts,
// a per-field cache of token positions) so that Encode does not allocate;
// give each goroutine its own with Clone. Configs, schemes, tokenizers and
// hardenings are immutable and may be shared.
//
// Errors never contain a value: a value that cannot be tokenised gives a
// *FieldError naming the field.
//
// # Hardening
//
// All opt-in, each a Hardening (or a Field or Config setting):
//   - record-level salting: Field.Salted mixes the salt passed to
//     EncodeSalted (e.g. year of birth) into every token of that field;
//   - XOR-folding: Config.Folds (hash long, fold to Bits) or the XORFold step;
//   - Balance: append the complement (doubling the length), optionally
//     permuted under a key;
//   - BLIP: keyed random bit flips, deterministic per record;
//   - any other step (the keyed diffusion layer, Diffusion) through the
//     Hardening interface or HardeningFunc.
//
// # Similarity
//
// An Index holds many filters contiguously, ordered by popcount, and
// answers Search (one query, Dice ≥ threshold) and SearchIndex (many
// against many) using the exact bound |pa − pb| ≤ 2·min(pa,pb)·(1/t − 1) to
// skip pairs that cannot qualify; ScorePairs scores candidate pairs found by
// blocking; GreedyMatch is anonlink's greedy 1-1 solver. Scores are
// computed exactly as anonlink does (2·|a∧b| / (|a|+|b|) in float64), so
// they compare bit for bit. AndPopcountMany is the batch kernel: AVX-512
// VPOPCNTQ when the CPU has it (golang.org/x/sys/cpu), portable Go
// otherwise (or with the purego build tag); a fuzz test proves them equal.
// AppendAtLeast keeps the filters of a block that reach a cutoff, and
// Filters does the same over filters it stores in the layout the CPU's
// kernel reads fastest (interleaved word by word in groups of eight for
// the AVX-512 kernel, which then needs no shuffles).
//
// The portable versions of the vector kernels (Popcount, the And counts,
// AppendAtLeast's loops, the diffusion sweep, the mask OR and the bit
// sampler) are marked //go:norace: each reads and writes only the slices
// it is given, and the race detector, which never sees inside the assembly
// they stand in for, would otherwise check every word they touch. On a CPU
// without AVX-512 the race-enabled tests spent two thirds of their time
// there and ran past their timeout; the callers, where goroutines share
// data, are still checked.
package bloom
