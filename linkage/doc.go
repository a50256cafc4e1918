// Package linkage links token files across agencies, or deduplicates one:
// the engine behind `pprl match`.
//
// # Pipeline
//
//  1. Load (LoadTokenFiles): token files, sealed ones decrypted in memory,
//     into Datasets with contiguous CLKs and tokens. Inputs with different
//     schema or secret fingerprints, CLK widths or rules, or two inputs with
//     the same dataset name, are refused (input errors).
//  2. Candidates (Search), for every two datasets and within each (link
//     and dedupe; Options.LinkOnly: between datasets only): exact hash
//     joins on each deterministic token rule (nulls never join; a token
//     value held by more than 50 records on one side is skipped and
//     reported), plus every pair whose CLK Dice coefficient is at least
//     MinDice. The similarity search is exhaustive (with the popcount
//     bound) or Hamming-LSH over sampled bits, whichever a cost model
//     (strategy.go) estimates cheaper; LSH plans enough bands that a pair
//     exactly at MinDice meets with probability 0.99, up to an index
//     budget, and warns when it cannot (search_lsh.go: gather, sort,
//     compare). Without a MinDice the floor is the lowest from 0.7 up
//     that random pairs' Dice and the search budget allow: 0.7 up to
//     about 100,000 people on the native spec, DefaultMinDice on dense
//     clkhash filters, up to 0.95 at national scale (floor.go).
//  3. Score (the model below) and threshold.
//  4. Solve (Solve): greedy, best score first. Two entities merge on a
//     link when they share no dataset, or when every two of their records
//     from a shared dataset are linked themselves, so that strangers are
//     not chained through one record (unless AllowDuplicates), or are
//     vouched for: a pair lacking the ID, of a rule pattern whose pairs
//     holding the ID mostly agree on it, to which every record of the
//     entity from other datasets is linked (corroborate.go), or share a
//     common record: one of their own dataset in the merged entity linked
//     to both with a score that would be accepted alone, their ID numbers
//     not differing (commonrecord.go: two variants of one record).
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
//     less the matches expected among them (λ·m per value: without this,
//     the high Dice bands and all-rules-agree patterns, which random pairs
//     reach almost only by being matches, get u far too high), add-half
//     smoothing; a pattern that agrees on a rule reading no CLK field (an
//     ID number alone) has u = that rule's chance rate × the random-pair u
//     of the rest (independence.go), since random pairs cannot show a u
//     below about one in 2R;
//   - m of the Dice bands: from candidates that agree on a strong rule (one
//     that random pairs share less than once in a thousand);
//   - m of the rule patterns: first from candidates with Dice ≥ 0.9; then
//     the patterns that agree on an anchor share that mass by their
//     posterior-weighted counts among all candidates (an M step alternating
//     with λ), since an error that changes a field lowers Dice and breaks
//     rules together (a moved child's Dice is about 0.65 under 8 diffusion
//     taps); the other patterns keep the first estimate; with an
//     identifying ID rule outside the CLK (CHI), the patterns in which it
//     does not agree take their m from how the pairs agreeing on it spread
//     over the other rules, a sample of matches no Dice threshold selected
//     (independence.go: restM);
//   - u of the Dice bands of a pair whose ID rule disagrees while another
//     rule agrees: from such candidates (namesakes, whose CLKs share the
//     agreeing fields), not random pairs (idDiffersDice);
//   - with enough such pairs, the Dice bands among the matches (ID agrees)
//     and among the namesakes (ID differs) of each pattern of the other
//     rules (diceGiven): a pair without the ID whose Dice is less likely
//     among its pattern's matches than among its namesakes scores that much
//     lower (a parent and child of one name at one address, whose names
//     were salted with different years);
//   - λ, the share of matches among ALL pairs of the comparison space (every
//     cross-dataset pair, or every pair within one dataset): by EM with m
//     and u fixed, the candidates being the only pairs with a posterior
//     that is not negligible; the u correction and the EM alternate until
//     λ settles. λ·space is reported as expected_matches.
//
// With --threshold auto the decision threshold is the score at which the
// posterior match probability among the candidates is one half,
// log2((1−λc)/λc) with λc = expected matches / candidates, but never below
// 0 (a pair whose evidence favours "different people" is never accepted).
// The stricter whole-space threshold log2((1−λ)/λ) (about log2 of the
// larger dataset) judges a pair alone; it is reported but not used, because
// the greedy one-to-one solver supplies the one-partner prior by keeping
// only each record's best consistent partner, and because the weights treat
// the rule pattern and the Dice band as independent (one typo lowers both),
// which makes weak true pairs score low. If the fit is degenerate, Otsu's
// split of the score histogram (the valley between the two modes) is used.
// Three bars refine it between datasets: a pair whose ID rule differs is
// judged alone (idDiffersBar); within one dataset a pair is judged against
// the within-dataset space (withinThreshold); and a rule pattern whose
// mutual-best candidates are mostly strangers (fewer matches expected with
// it than half of them) needs term-frequency evidence for odds of two to
// one (strangerPatterns), judged band by band where the pattern's Dice is
// weighed given its rules: the one-partner prior holds only for records
// that have a partner in the other dataset. Pairs agreeing on a family
// rule alone (twins agree on it as one child's records do) are judged by
// the namesake census instead (namesakes.go): refused in the Dice bands
// where the pairs within datasets, scaled to the space between them, make
// up at least half of the candidates between datasets.
// summary.json records the choice, the reason, the fitted model and
// score_histogram: the candidates' scores in unit-wide bins.
package linkage
