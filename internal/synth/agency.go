package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// The agencies synth can write, in their fixed order. The order (not the
// --agencies list) decides random streams, so that leaving an agency out
// does not change the others' extracts.
const (
	socialWork = iota
	education
	health
	childrensHearings
	numAgencies
)

// AgencyNames lists every agency synth can generate, in output order.
var AgencyNames = []string{"social_work", "education", "health", "childrens_hearings"}

// field is what a column of an agency extract holds.
type field int

const (
	fRecordID field = iota
	fForename
	fMiddle
	fSurname
	fDOB
	fSex
	fAddress // address line (house number and street), optionally with town
	fTown    // post town
	fPostcode
	fCHI
	fClientType // social work: Child / Parent/Carer
	fLAC        // social work: looked-after status
	fStage      // education: school stage
	fGP         // health: GP practice code
	fReferral   // hearings: date of the latest referral
	fGround     // hearings: ground of referral
)

// column is one column of an extract.
type column struct {
	name  string
	field field
	std   string // the mapping's standard field name, "" for content columns
}

// agencySpec describes one agency's extract: its columns and formats, who
// it holds, and how its records are corrupted.
type agencySpec struct {
	name       string
	columns    []column
	dateLayout string
	sexCodes   [3]string // male, female, unknown
	upper      bool      // names and addresses in upper case
	townInLine bool      // address column holds "line, town"
	delimiter  rune
	chiHeld    float64 // share of records with a CHI (before corruption)
	parents    bool    // holds parents and carers as well as children
	idDigits   int     // minimum digits of the record number
	idPrefix   string
	rates      rates // corruption profile at the default level
	dupRate    float64
	// overlap is the default share of eligible children held.
	overlap float64
	// unknownDOB is the date the agency's system writes where the date of
	// birth is not known (zero: it leaves the cell blank). Real systems do
	// both; tokenize must read such a date as missing.
	unknownDOB date
	// yearOnlyJan1: the agency writes a date of birth known only to its
	// year as the 1st of January of the year; otherwise with a day and a
	// month of zero (00/00/2009, 20090000), which tokenize reads as a
	// partial date.
	yearOnlyJan1 bool
}

// agencies returns the fixed agency specifications.
func agencySpecs() [numAgencies]*agencySpec {
	return [numAgencies]*agencySpec{
		socialWork: {
			name: "social_work",
			columns: []column{
				{"SW_CLIENT_ID", fRecordID, ""},
				{"CLIENT_TYPE", fClientType, ""},
				{"FIRST_NAME", fForename, "forename"},
				{"MIDDLE_NAMES", fMiddle, "middle_names"},
				{"SURNAME", fSurname, "surname"},
				{"DATE_OF_BIRTH", fDOB, "dob"},
				{"GENDER", fSex, "sex"},
				{"ADDRESS_LINE_1", fAddress, "address"},
				{"TOWN", fTown, ""},
				{"POSTCODE", fPostcode, "postcode"},
				{"CHI_NO", fCHI, "chi"},
				{"LAC_STATUS", fLAC, ""},
			},
			dateLayout:   "DD/MM/YYYY",
			sexCodes:     [3]string{"M", "F", "U"},
			delimiter:    ',',
			chiHeld:      0.55,
			parents:      true,
			idDigits:     7,
			idPrefix:     "SW",
			overlap:      0.30,
			unknownDOB:   date{1900, 1, 1}, // a legacy case system's default
			yearOnlyJan1: true,
			dupRate:      0.04,
			rates: rates{
				kTypoInsert: 0.012, kTypoDelete: 0.012, kTypoSubstitute: 0.015, kTypoTranspose: 0.008,
				kPhonetic: 0.02, kOCR: 0.003, kNickname: 0.07, kSurnameChange: 0.05, kNameSwap: 0.01, kMiddleAsForename: 0.02,
				kDayMonthSwap: 0.015, kDOBTypo: 0.01, kSexError: 0.003,
				kMissingForename: 0.003, kMissingMiddle: 0.30, kMissingDOB: 0.02, kMissingSex: 0.02,
				kMissingPostcode: 0.07, kMissingAddress: 0.05, kMissingCHI: 0.05,
				kCHILeadingZero: 0.15, kCHITypo: 0.01, kMoved: 0.12, kAccentLost: 0.40,
				kPostcodeFormat: 0.10, kWhitespace: 0.02, kSurnamePart: 0.20, kYearOnly: 0.01,
			},
		},
		education: {
			name: "education",
			columns: []column{
				{"pupil_id", fRecordID, ""},
				{"forename", fForename, "forename"},
				{"middle_name", fMiddle, "middle_names"},
				{"surname", fSurname, "surname"},
				{"date_of_birth", fDOB, "dob"},
				{"gender", fSex, "sex"},
				{"home_address", fAddress, "address"},
				{"postcode", fPostcode, "postcode"},
				{"chi_number", fCHI, "chi"},
				{"stage", fStage, ""},
			},
			dateLayout: "YYYY-MM-DD",
			sexCodes:   [3]string{"Male", "Female", "Not Known"},
			townInLine: true,
			delimiter:  ';',
			chiHeld:    0.04,
			idDigits:   9,
			overlap:    0.93,
			dupRate:    0.006,
			rates: rates{
				kTypoInsert: 0.005, kTypoDelete: 0.005, kTypoSubstitute: 0.006, kTypoTranspose: 0.004,
				kPhonetic: 0.008, kOCR: 0.001, kNickname: 0.05, kSurnameChange: 0.06, kNameSwap: 0.003, kMiddleAsForename: 0.01,
				kDayMonthSwap: 0.004, kDOBTypo: 0.003, kSexError: 0.002,
				kMissingForename: 0.0005, kMissingMiddle: 0.15, kMissingDOB: 0.002, kMissingSex: 0.003,
				kMissingPostcode: 0.02, kMissingAddress: 0.02, kMissingCHI: 0.0,
				kCHILeadingZero: 0.05, kCHITypo: 0.01, kMoved: 0.08, kAccentLost: 0.10,
				kPostcodeFormat: 0.05, kWhitespace: 0.005, kSurnamePart: 0.10, kYearOnly: 0.003,
			},
		},
		health: {
			name: "health",
			columns: []column{
				{"PATIENT_KEY", fRecordID, ""},
				{"CHI", fCHI, "chi"},
				{"FORENAME", fForename, "forename"},
				{"OTHER_FORENAMES", fMiddle, "middle_names"},
				{"SURNAME", fSurname, "surname"},
				{"DOB", fDOB, "dob"},
				{"SEX", fSex, "sex"},
				{"ADDRESS", fAddress, "address"},
				{"POSTCODE", fPostcode, "postcode"},
				{"GP_PRACTICE", fGP, ""},
			},
			dateLayout: "YYYYMMDD",
			sexCodes:   [3]string{"1", "2", "9"},
			upper:      true,
			townInLine: true,
			delimiter:  ',',
			chiHeld:    1,
			parents:    true,
			idDigits:   8,
			overlap:    0.98,
			dupRate:    0.015,
			rates: rates{
				kTypoInsert: 0.004, kTypoDelete: 0.004, kTypoSubstitute: 0.005, kTypoTranspose: 0.003,
				kPhonetic: 0.008, kOCR: 0.001, kNickname: 0.015, kSurnameChange: 0.04, kNameSwap: 0.002, kMiddleAsForename: 0.005,
				kDayMonthSwap: 0.002, kDOBTypo: 0.002, kSexError: 0.001,
				kMissingForename: 0.0005, kMissingMiddle: 0.20, kMissingDOB: 0.001, kMissingSex: 0.002,
				kMissingPostcode: 0.01, kMissingAddress: 0.01, kMissingCHI: 0.01,
				kCHILeadingZero: 0.03, kCHITypo: 0.003, kMoved: 0.15, kAccentLost: 0.70,
				kPostcodeFormat: 0.02, kWhitespace: 0.002, kSurnamePart: 0.05, kYearOnly: 0.002,
			},
		},
		childrensHearings: {
			name: "childrens_hearings",
			columns: []column{
				{"Child Reference", fRecordID, ""},
				{"Forename", fForename, "forename"},
				{"Surname", fSurname, "surname"},
				{"Date of Birth", fDOB, "dob"},
				{"Gender", fSex, "sex"},
				{"Address", fAddress, "address"},
				{"Postcode", fPostcode, "postcode"},
				{"Latest Referral", fReferral, ""},
				{"Ground", fGround, ""},
			},
			dateLayout:   "DD-MON-YYYY",
			sexCodes:     [3]string{"Male", "Female", "Unknown"},
			townInLine:   true,
			delimiter:    ',',
			idDigits:     6,
			idPrefix:     "CH-",
			unknownDOB:   date{2000, 1, 1}, // found by its count (tokenize/datespike.go)
			yearOnlyJan1: true,
			overlap:      0.12,
			dupRate:      0.03,
			rates: rates{
				kTypoInsert: 0.01, kTypoDelete: 0.01, kTypoSubstitute: 0.012, kTypoTranspose: 0.006,
				kPhonetic: 0.02, kOCR: 0.015, kNickname: 0.06, kSurnameChange: 0.06, kNameSwap: 0.01, kMiddleAsForename: 0.02,
				kDayMonthSwap: 0.015, kDOBTypo: 0.01, kSexError: 0.003,
				kMissingForename: 0.002, kMissingDOB: 0.03, kMissingSex: 0.01,
				kMissingPostcode: 0.09, kMissingAddress: 0.06,
				kMoved: 0.18, kAccentLost: 0.30, kPostcodeFormat: 0.10, kWhitespace: 0.02, kSurnamePart: 0.20,
				kYearOnly: 0.01,
			},
		},
	}
}

// has reports whether the agency's extract has a column for f.
func (s *agencySpec) has(f field) bool {
	for _, c := range s.columns {
		if c.field == f {
			return true
		}
	}
	return false
}

// idColumn is the name of the record-ID column.
func (s *agencySpec) idColumn() string { return s.columns[0].name }

// recordID formats record number n (a permuted sequence number).
func (s *agencySpec) recordID(n uint64, digits int) string {
	return s.idPrefix + fmt.Sprintf("%0*d", digits, n)
}

// eligible reports whether agency a could hold a record about p at all.
func eligible(a int, p *person, asOf date) bool {
	switch a {
	case education:
		// Early learning and childcare from age 3, school to 17.
		return p.role == roleChild && p.dob.ageOn(asOf) >= 3
	case childrensHearings:
		return p.role == roleChild
	}
	return true
}

// Content values for the non-identifying columns.
var (
	lacStatuses = &weighted{values: []string{"Looked after at home", "Foster care", "Kinship care", "Residential care", "Secure care", "Not looked after", "Previously looked after"}, cum: cumulative(25, 30, 28, 8, 1, 45, 12)}
	grounds     = &weighted{values: []string{"s67(2)(a) lack of parental care", "s67(2)(j) offence by child", "s67(2)(o) non-attendance at school", "s67(2)(b) schedule 1 offence", "s67(2)(m) conduct harmful to self or others", "s67(2)(n) beyond control", "s67(2)(e) close connection with schedule 1 offender"}, cum: cumulative(40, 15, 12, 10, 9, 8, 6)}
)

// stageFor returns a school stage for a child aged age on the reference date.
func stageFor(age int) string {
	switch {
	case age < 5:
		return "ELC"
	case age <= 11:
		return "P" + strconv.Itoa(age-4)
	case age <= 17:
		return "S" + strconv.Itoa(min(6, age-11))
	}
	return ""
}

// gpPractice returns a plausible GP practice code for a district: the same
// practice for most of a district, a few practices per district.
func gpPractice(r *rand.Rand, district int) string {
	return fmt.Sprintf("%d%04d", 1+district%9, (district*37+r.IntN(3))%10000)
}
