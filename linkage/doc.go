// Package linkage links token files across agencies, or deduplicates one:
// the engine behind `pprl match`.
//
// # Pipeline
//
//  1. Load (LoadTokenFiles): token files, sealed ones decrypted in memory,
//     into Datasets with contiguous CLKs and tokens. Inputs with different
//     schema or secret fingerprints, CLK widths or rules, or two inputs with
//     the same dataset name, are refused (input errors).
//  2. Candidates (Search), for every two datasets (or within one):
//     exact hash joins on each deterministic token rule (nulls never join;
//     a token value held by more than 50 records on one side is skipped and
//     reported), plus every pair whose CLK Dice coefficient is at least
//     MinDice among the pairs that meet in a Hamming-LSH band (bands of
//     sampled bit positions; the number of bits per band is chosen so that
//     a random record meets about one other per band, the number of bands so
//     that a pair exactly at MinDice meets with probability 0.995, at most
//     64; see planLSH). The exact popcount bound prunes before every Dice
//     computation, a per-worker stamp array deduplicates pairs without
//     allocation, and queries are spread over GOMAXPROCS goroutines.
//  3. Score (the model below) and threshold.
//  4. Solve (Solve): greedy, best score first. Two datasets: one-to-one.
//     Several: entities with at most one record per dataset (unless
//     AllowDuplicates). One dataset: clusters of duplicates.
//  5. Entity IDs (AssignIDs): "E" + 16 hex digits derived from the members;
//     with a previous run, each entity keeps the old ID most of its records
//     had (greedy by overlap), and merges and splits are counted.
//  6. Output (Result.Write): links.parquet, entities.parquet, summary.json,
//     renamed into place only when all are complete.
//
// # The decision model
//
// A Fellegi–Sunter model. A candidate pair's evidence is (i) its rule
// pattern — for every rule, agree, disagree (both tokens present and
// different) or missing — and (ii) the band of its Dice coefficient (edges
// 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95). Its score is
//
//	score = log2(m_pattern / u_pattern) + log2(m_band / u_band)
//
// the log2 likelihood ratio of "same person" against "different people".
// The rule pattern is weighted as a whole rather than rule by rule, because
// the rules share components (date of birth, surname): one typo in a date
// breaks several rules at once, and counting each as independent evidence
// would bury a true pair. Probabilities are estimated without labels:
//
//   - u (among non-matches): from 1,000,000 random pairs per dataset pair,
//     which are almost all non-matches (add-one or add-half smoothing);
//   - m of the Dice bands: from candidates that agree on a strong rule (one
//     that random pairs share less than once in a thousand);
//   - m of the rule patterns: from candidates with Dice ≥ 0.9;
//   - λ, the share of matches among the candidates: by EM with m and u
//     fixed (a one-parameter mixture with a unique maximum).
//
// With --threshold auto the decision threshold is the score at which the
// posterior match probability is one half, log2((1−λ)/λ); if the fit does
// not converge, Otsu's split of the score histogram (the valley between the
// two modes) is used. summary.json records the choice, the reason and the
// fitted model. The greedy solver then keeps the best-scoring consistent
// links, which is where most wrong candidates are removed.
package linkage
