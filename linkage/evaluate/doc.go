// Package evaluate measures the quality of a linkage against ground truth:
// the figures `pprl evaluate` prints and the HTML report charts.
//
// # Inputs
//
// The match outputs (entities.parquet, links.parquet, summary.json and, when
// match kept it, candidates.parquet; see LoadOutputs) and a truth: the
// truth.csv that `pprl synth` writes (dataset, record_id, person_id and any
// subgroup columns; see ReadTruth) or a FEBRL-style list of true pairs of
// 0-based row indices (ReadTruthPairs).
//
// # Definitions
//
// A true pair is two records of the same person. Which pairs count is the
// scope: pairs of records from different datasets (linkage) and, when the run
// is a deduplication of one dataset or the outputs themselves put two records
// of one dataset together (match --allow-duplicates), pairs within a dataset
// too. Truth records of the outputs' datasets that are missing from the
// outputs (rejected at tokenize) still count, so recall is end to end.
// Records unknown to the truth count as people of their own.
//
//   - Entities, pairwise: the predicted pairs are the pairs of records in one
//     entity. Precision = correct / predicted, recall = correct / true pairs,
//     F1 = 2PR/(P+R). A ratio with a zero denominator is reported as 0.
//   - Links, pairwise: each row of links.parquet is one predicted pair.
//   - Clusters: over the records in the outputs, B-cubed precision and recall
//     (the mean over records of |E∩P|/|E| and |E∩P|/|P|, E the record's
//     entity and P its person), people found exactly (people with 2+ records
//     whose records are one entity and nothing else), people split over
//     several entities, and entities merging several people.
//   - Blocking: reduction ratio = 1 − candidates / comparison space, where
//     candidates is counts.candidates in summary.json and the comparison
//     space is every in-scope pair of the outputs' records; pairs
//     completeness = true pairs among the candidates / true pairs, measured on
//     candidates.parquet when present, otherwise on the links (a lower bound).
//   - By dataset pair, by dataset and by subgroup: recall of the true pairs
//     in the group; a pair belongs to a subgroup value when both records have
//     it (subgroup columns with more than 30 values are left out).
//   - Threshold sweep: precision, recall and F1 of the scored pairs (the
//     candidates when present, else the links) with score at least each
//     threshold; links hold only pairs that passed match's decision, so a
//     sweep over links covers thresholds at or above match's own.
package evaluate
