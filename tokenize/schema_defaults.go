package tokenize

// The hardening defaults of the native encoding, in one place. They are
// chosen by measurement (issue 8: attack recovery rates against linkage F1 on
// FEBRL and pprl synth data); change them here and nowhere else. Changing any
// of them changes the starter spec, its golden file
// (testdata/schema/starter.json) and so its fingerprint; token files made
// with an older spec keep working with that spec.
const (
	// DefaultCLKBits is the CLK length before hardening.
	DefaultCLKBits = 1024
	// DefaultSaltSource is the record-level salt of name tokens: year of
	// birth ("" means no salt). Measured (README "Privacy"): diffusion alone
	// (t=4) left both attacks of pprl audit near 0% for most keys, but for
	// about 2 keys in 11 pattern mining recovered 1.5-2.2% of surnames of a
	// 3,500-record synthetic extract, over the 1% limit; with salting no key
	// tried went above 0.2%. The price is recall on pairs whose year of birth
	// differs (7% of FEBRL4's true pairs): 1.6 F1 points of CLK-only linkage
	// on FEBRL4, which the deterministic rules partly recover.
	DefaultSaltSource = "dob.year"
	// DefaultDiffusionTaps is the number of keyed-random input bits XOR-ed
	// into each output bit by the diffusion layer; 0 disables diffusion.
	// t=4 with 8 bits per bigram held frequency alignment and pattern mining
	// at 0%, but not an attacker holding plaintext (issue 14, README
	// "Privacy"): with 10% of 10,000 records labelled, a classifier read 9.4%
	// of forenames above chance, 16% of dates of birth and sex for 93%; t=6
	// still 4.5% of forenames and sex for 76%. t=8 with sex salted too: every
	// attack at chance (at most 0.8 points above), graph matching 0.0%, for
	// 0.3 F1 points on FEBRL4 through the whole matcher (0.9954 against
	// plain 0.9983; t=4: 0.9958) and 0.7 on a 10,000-person synthetic run
	// (0.9820 against 0.9891; t=4: 0.9863). The cost grows with the
	// population: at 1,000,000 people (four agencies) entity F1 0.9634
	// against 0.9724 with t=4, recall 0.938 against 0.965.
	DefaultDiffusionTaps = 8
	// DefaultBalance turns balancing on in the starter spec.
	DefaultBalance = false
	// DefaultBLIPProbability is the starter spec's BLIP flip probability;
	// 0 disables BLIP.
	DefaultBLIPProbability = 0.0
	// DefaultXORFolds is the starter spec's number of XOR folds.
	DefaultXORFolds = 0
)

// DefaultSaltFields are the fields whose tokens are salted with
// DefaultSaltSource: the names, and sex, which unsalted is one fixed group
// of bits that a known-plaintext attacker reads for almost every record
// (93% at 10,000 records with 10% labelled, t=4; at chance once salted).
var DefaultSaltFields = []string{"forename", "surname", "sex"}

// Per-field CLK weights of the starter spec (positions set per token). About
// 250 positions over a typical record (some 32 tokens) fill a fifth of 1024
// bits before diffusion. At most 8 positions per token keeps random hashing
// to one HMAC-SHA256 per token, which is most of the cost of encoding.
const (
	defaultNameBitsPerToken     = 8
	defaultDOBBitsPerToken      = 8
	defaultSexBitsPerToken      = 8
	defaultPostcodeBitsPerToken = 6
)

// DefaultHardening returns the native encoding's default hardening.
func DefaultHardening() HardeningSpec {
	h := HardeningSpec{
		Comment: "Defences against frequency and pattern-mining attacks; measured defaults (pprl audit shows the risk). " +
			"salt: name bigrams and sex are hashed with the year of birth, so the same bigram sets different bits for different years " +
			"(remove it to gain recall on records whose year of birth is wrong, at a measured privacy cost). " +
			"diffusion: each output bit is the XOR of a few keyed-random filter bits, so no bit pattern belongs to one bigram. " +
			"Optional: balance, blip, xor_folds.",
		Balance:  DefaultBalance,
		XORFolds: DefaultXORFolds,
	}
	if DefaultSaltSource != "" {
		h.Salt = &SaltSpec{Source: DefaultSaltSource, Fields: DefaultSaltFields}
	}
	if DefaultDiffusionTaps > 0 {
		h.Diffusion = &DiffusionSpec{Taps: DefaultDiffusionTaps}
	}
	if DefaultBLIPProbability > 0 {
		h.BLIP = &BLIPSpec{Probability: DefaultBLIPProbability}
	}
	return h
}

// StarterSpec returns the documented starter linkage spec for a UK person
// extract that `pprl schema init` writes: the nine standard fields, a
// hardened 1024-bit CLK over forename, surname, date of birth, sex and
// postcode, the five default token rules, and no report attributes.
func StarterSpec() *Spec {
	bigrams := func(k int) *FieldCLKSpec { return &FieldCLKSpec{Tokeniser: TokeniserNgram, N: 2, BitsPerToken: k} }
	return &Spec{
		Version: SchemaVersion,
		Description: "pprl linkage spec for a UK person extract. Every agency in a project must use this file " +
			"unchanged (its fingerprint is checked); each agency describes its own columns in an input mapping " +
			"(pprl tokenize --mapping). Descriptions and _comment keys are documentation and do not change the fingerprint.",
		Fields: []FieldSpec{
			{Name: "forename", Type: TypeName, Description: "First forename. Accents removed, case folded, titles dropped; placeholders such as UNKNOWN rejected. CLK: bigrams, salted with year of birth.",
				CLK: bigrams(defaultNameBitsPerToken)},
			{Name: "middle_names", Type: TypeName, Description: "Middle names. Often absent, so not in the CLK by default; available to rules.",
				CLK: nil},
			{Name: "surname", Type: TypeName, Description: "Family name. Mc/Mac and O' prefixes, hyphens and apostrophes normalised. CLK: bigrams, salted with year of birth.",
				CLK: bigrams(defaultNameBitsPerToken)},
			{Name: "dob", Type: TypeDate, Description: "Date of birth, read with the mapping's date formats, as YYYYMMDD. Future and implausibly early dates rejected. CLK: positional digits, so a one-digit typo still scores.",
				Normalise: NormaliseSpec{Earliest: "1900-01-01"},
				CLK:       &FieldCLKSpec{Tokeniser: TokeniserNgram, N: 1, Positional: true, BitsPerToken: defaultDOBBitsPerToken}},
			{Name: "sex", Type: TypeSex, Description: "Sex, mapped by the mapping's sex_codes; unknown counts as missing. CLK: one exact token, salted with year of birth.",
				CLK: &FieldCLKSpec{Tokeniser: TokeniserExact, BitsPerToken: defaultSexBitsPerToken}},
			{Name: "postcode", Type: TypePostcode, Description: "UK postcode in canonical form (EH1 1YZ). CLK: bigrams.",
				CLK: bigrams(defaultPostcodeBitsPerToken)},
			{Name: "chi", Type: TypeCHI, Description: "Scottish CHI number: 10 digits, mod-11 or mod-10 check digit; a lost leading zero is restored. Used by rule t9, not the CLK."},
			{Name: "nhs", Type: TypeNHS, Description: "NHS number (England, Wales): 10 digits, mod-11 check digit. Used by rule t9 when there is no CHI."},
			{Name: "address", Type: TypeText, Description: "First address line, case folded. Not used by default: addresses change often."},
		},
		CLK: CLKSpec{
			Comment:   "A 1024-bit Bloom filter (CLK) per record; each field's tokens set bits_per_token positions chosen by keyed random hashing under the field's own key.",
			Bits:      DefaultCLKBits,
			Hashing:   "random",
			Hardening: DefaultHardening(),
		},
		Rules: DefaultRules(),
	}
}
