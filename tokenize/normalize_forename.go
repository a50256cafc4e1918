package tokenize

// CanonicalForename maps a canonical forename word (from NormalizeName,
// e.g. its FirstNamePart) that is a common nickname or short form to the
// full name it stands for: ALEX, SANDY → ALEXANDER; LIZ, BETH, BETTY →
// ELIZABETH; MAGGIE, PEGGY → MARGARET; BILL, BILLY, LIAM → WILLIAM; and so
// on (see forenameNicknames). Any other name is returned unchanged. It
// allocates nothing.
//
// The mapping groups names; it does not claim to know anyone's name. Some
// short forms serve two names (ALEX: Alexander or Alexandra; CHRIS; SAM):
// they map to one of them, so a rule that uses the canonical forename should
// also use sex and date of birth, and whether a rule uses it at all is the
// linkage spec's choice. The map also unifies a few spelling variants
// (IAIN and IAN, EWAN and EUAN, KATHERINE and CATHERINE, STEVEN and STEPHEN,
// RUAIRIDH and RORY). Names that are given in their own right (ISLA,
// ALISTAIR, HAMISH, SEAN) are not folded into the name they derive from.
func CanonicalForename(name string) string {
	if full, ok := forenameNicknames[name]; ok {
		return full
	}
	return name
}

// forenameNicknames maps short forms to full forenames, all in canonical
// (upper case, A–Z) form. No value is itself a key, so CanonicalForename is
// idempotent.
var forenameNicknames = func() map[string]string {
	groups := map[string][]string{
		"ALEXANDER":   {"ALEX", "ALEC", "SANDY", "SANDIE", "XANDER"},
		"ALEXANDRA":   {"LEXI", "LEXIE"},
		"ELIZABETH":   {"LIZ", "LIZA", "LIZZIE", "LIZZY", "BETH", "BETTY", "BETSY", "BESS", "BESSIE", "ELIZA", "LIBBY"},
		"MARGARET":    {"MAGGIE", "MAGGY", "MAG", "MAGS", "PEGGY", "PEG", "MEG", "MAISIE", "MADGE"},
		"WILLIAM":     {"BILL", "BILLY", "BILLIE", "WILL", "WILLIE", "WILLY", "LIAM", "WULLIE"},
		"ROBERT":      {"ROB", "ROBBIE", "ROBBY", "BOB", "BOBBY", "RAB", "RABBIE", "BERT", "BERTIE"},
		"JAMES":       {"JIM", "JIMMY", "JIMMIE", "JAMIE", "JAMESIE"},
		"JOHN":        {"JOHNNY", "JOHNNIE", "JACK"},
		"CATHERINE":   {"CATH", "CATHY", "CATHIE", "KATE", "KATIE", "KATY", "KATH", "KATHY", "KAT", "KIT", "KITTY", "KATHERINE", "KATHRYN", "CATHARINE"},
		"MICHAEL":     {"MIKE", "MIKEY", "MICK", "MICKY", "MICKEY", "MICHEAL"},
		"THOMAS":      {"TOM", "TOMMY", "THOM", "TAM"},
		"DANIEL":      {"DAN", "DANNY", "DANNIE"},
		"DAVID":       {"DAVE", "DAVIE", "DAVY", "DAI"},
		"EDWARD":      {"ED", "EDDIE", "EDDY", "NED", "TED", "TEDDY"},
		"ANDREW":      {"ANDY", "DREW", "ANDRA"},
		"ANTHONY":     {"TONY", "ANTONY"},
		"RICHARD":     {"RICH", "RICHIE", "RICK", "RICKY", "DICK", "DICKIE"},
		"PATRICK":     {"PADDY", "PAT"},
		"PATRICIA":    {"TRISH", "TRICIA", "PATSY", "PATTY"},
		"SUSAN":       {"SUE", "SUSIE", "SUZY", "SUZIE"},
		"DEBORAH":     {"DEBBIE", "DEBBY", "DEBS", "DEB", "DEBRA"},
		"REBECCA":     {"BECKY", "BECCA", "BEX"},
		"JENNIFER":    {"JEN", "JENNY", "JENNI", "JENNIE"},
		"SAMUEL":      {"SAM", "SAMMY"},
		"SAMANTHA":    {"SAMMIE"},
		"NICHOLAS":    {"NICK", "NICKY", "NICKIE", "NICOLAS"},
		"STEPHEN":     {"STEVE", "STEVIE", "STEVEN", "STEPH"},
		"JOSEPH":      {"JOE", "JOEY"},
		"MATTHEW":     {"MATT", "MATTY", "MAT"},
		"BENJAMIN":    {"BEN", "BENNY", "BENJI", "BENJY"},
		"FREDERICK":   {"FRED", "FREDDIE", "FREDDY", "FREDRICK"},
		"HENRY":       {"HARRY", "HAL", "HANK"},
		"CHARLES":     {"CHARLIE", "CHAS", "CHUCK", "CHAY", "CHARLEY"},
		"KENNETH":     {"KEN", "KENNY", "KENNIE"},
		"DONALD":      {"DON", "DONNIE", "DONNY"},
		"ARCHIBALD":   {"ARCHIE", "ARCHY"},
		"HUGH":        {"HUGHIE", "SHUG", "SHUGGIE"},
		"CHRISTOPHER": {"CHRIS", "TOPHER"},
		"CHRISTINE":   {"CHRISSIE", "TINA"},
		"ELEANOR":     {"ELLIE", "NELL", "NELLIE", "ELINOR"},
		"ISABEL":      {"ISOBEL", "ISABELLE", "ISABELLA", "IZZY", "IZZIE", "ISSY", "ISHBEL", "BELLA", "BELLE"},
		"VICTORIA":    {"VICKY", "VICKI", "VIKKI", "VIKI", "TORI"},
		"JACQUELINE":  {"JACQUI", "JACKI", "JACKY"},
		"ABIGAIL":     {"ABBIE", "ABBY", "ABI", "ABBEY"},
		"ZACHARY":     {"ZACH", "ZAK", "ZAC", "ZACK"},
		"JONATHAN":    {"JON", "JONNY", "JONNIE", "JONTY"},
		"TIMOTHY":     {"TIM", "TIMMY"},
		"PETER":       {"PETE"},
		"PHILIP":      {"PHIL", "PHILLIP", "PIP"},
		"GERALD":      {"GERRY", "JERRY", "GER"},
		"RAYMOND":     {"RAY"},
		"RONALD":      {"RON", "RONNIE", "RONNY"},
		"LAWRENCE":    {"LARRY", "LAURENCE"},
		"LEONARD":     {"LEN", "LENNY", "LENNIE"},
		"ANNE":        {"ANN", "ANNIE", "NAN"},
		"MARY":        {"MOLLY", "POLLY", "MAMIE"},
		"HELEN":       {"LENA"},
		"JANET":       {"JANEY", "JESSIE", "SEONAID"},
		"EUAN":        {"EWAN", "EWEN", "EOGHAN"},
		"IAN":         {"IAIN"},
		"RORY":        {"RUAIRIDH", "RUARIDH", "RUAIRI"},
		"RODERICK":    {"RODDY", "ROD"},
		"GEORGE":      {"GEORDIE", "DOD"},
		"FRANCIS":     {"FRANK", "FRANKIE"},
		"GREGORY":     {"GREG", "GREGG"},
		"DOUGLAS":     {"DOUG", "DOUGIE"},
		"CALLUM":      {"CALUM", "CAL"},
		"MALCOLM":     {"MALC"},
		"NATHAN":      {"NATE"},
		"OLIVER":      {"OLLIE", "OLLY"},
		"OLIVIA":      {"LIVVY", "LIV", "LIVVIE"},
		"EMILY":       {"EMMIE", "EMILIE"},
		"SOPHIA":      {"SOPHIE", "SOPHY"},
		"CAROLINE":    {"CARRIE", "CARO"},
		"MATILDA":     {"TILLY", "TILLIE", "TILDA"},
		"CHARLOTTE":   {"LOTTIE", "LOTTY"},
		"JESSICA":     {"JESS", "JESSY"},
		"GABRIELLA":   {"GABBY", "GABBIE", "GABI"},
		"GEORGINA":    {"GEORGIE"},
		"JOSEPHINE":   {"JOSIE"},
		"DOROTHY":     {"DOT", "DOTTIE", "DOLLY"},
		"FLORENCE":    {"FLO", "FLOSSIE"},
		"HARRIET":     {"HATTIE"},
		"PENELOPE":    {"PENNY"},
		"VALERIE":     {"VAL"},
		"JOSHUA":      {"JOSH"},
		"ALFRED":      {"ALFIE", "ALF"},
		"THEODORE":    {"THEO"},
		"SEBASTIAN":   {"SEB", "SEBBY"},
		"TOBIAS":      {"TOBY"},
		"CAMERON":     {"CAM"},
		"FERGUS":      {"FERGIE"},
		"ANGUS":       {"GUS"},
		"LACHLAN":     {"LACHIE", "LACHY", "LOCKIE"},
		"BRADLEY":     {"BRAD"},
		"GABRIEL":     {"GABE"},
		"MOHAMMED":    {"MUHAMMAD", "MOHAMMAD", "MOHAMED", "MOHAMAD", "MUHAMMED", "MO"},
		"AMELIA":      {"MILLIE", "MILLY"},
		"EVELYN":      {"EVIE"},
		"JACOB":       {"JAKE"},
		"TERENCE":     {"TERRY"},
		"PAMELA":      {"PAM"},
		"KIMBERLEY":   {"KIM"},
		"DANIELLE":    {"DANI"},
		"GILLIAN":     {"GILL"},
		"NICOLA":      {"NIKKI"},
	}
	m := make(map[string]string)
	for full, shorts := range groups {
		for _, s := range shorts {
			if _, isFull := groups[s]; isFull {
				panic("tokenize: nickname " + s + " is also a full name")
			}
			if prev, dup := m[s]; dup && prev != full {
				panic("tokenize: nickname " + s + " listed for two names")
			}
			m[s] = full
		}
	}
	return m
}()
