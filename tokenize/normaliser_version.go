package tokenize

// NormaliserVersion numbers the normalisers of this release and the tables
// they use (the nickname table of CanonicalForename among them). Raise it
// whenever a change makes some value normalise, and so encode, differently:
// token files record it (tokenfile.Manifest.NormaliserVersion) and match
// refuses to link files of two versions, in which one child's name could
// give two different tokens without a word. TestNormaliserVersionPinned
// fails when the normalisers' outputs change and the version does not.
//
//   - 1: every release before the version was recorded.
//   - 2: the nickname table maps MILLIE and MILLY to AMELIA, BELLA and
//     BELLE to ISABEL, EVIE to EVELYN, JAKE to JACOB, TERRY to TERENCE,
//     PAM to PAMELA, KIM to KIMBERLEY, MO to MOHAMMED, DANI to DANIELLE,
//     GILL to GILLIAN and NIKKI to NICOLA (2026-12-03).
//   - 3: a date of 1900-01-01 is a stand-in for an unknown date
//     (ReasonPlaceholder, DefaultStandInDates), no longer a date of birth
//     (2026-12-04).
//   - 4: a date of birth known only to the month or the year ("00/00/2009",
//     "20090300", a YYYY or MM/YYYY format, or the 1st of January a system
//     writes for a year alone, found by its count) is kept as a partial
//     date, YYYY or YYYYMM, where it was refused or read as missing
//     (2026-12-05).
const NormaliserVersion = 4
