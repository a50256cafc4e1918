package tokenize

import (
	"fmt"
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// Mapping checks: sex codes the wrong way round, name columns swapped.
//
// A mapping whose sex_codes read "1" as female where the extract means
// male (or "M"/"F" the wrong way round), or that takes the forename from
// the surname column, rejects nothing: every value normalises, every row
// encodes. But every rule and CLK bit that reads the field then disagrees
// with the other agencies on every true pair, and the match silently loses
// most of them (one agency of four with its sex codes swapped in `pprl
// synth`: entity F1 0.99 → 0.69; names swapped: 0.78). The agency can see
// it before anything leaves the building. Most forenames are given almost
// only to girls or only to boys: on a correctly mapped extract the
// recorded sex contradicts such a name on under 1% of rows (recording
// errors; synth at its high corruption: 0.25–0.84%), and swapped codes
// contradict it on nearly all. And those forenames fill about half of a
// forename column, but few surnames are one (MARTIN, GRAHAM): 3.4–4.0% of
// a surname column in synth; swapped columns turn the two round.
//
// mappingTally counts both over the encoded rows; checkMapping refuses the
// extract (input error, nothing written) when the sex contradicts the
// forename on more than maxSexContradiction of at least minMappingRows
// checked rows, or when a common forename is in the surname column on at
// least minSurnameForenames of at least minMappingRows rows and more than
// twice as often as in the forename column. Nothing is reported but the
// counts.

// mappingTally counts the rows the mapping checks look at.
type mappingTally struct {
	// sexChecked: rows with a known sex whose forename is a gendered one;
	// sexContradicted: those whose sex is the other.
	sexChecked, sexContradicted int64
	// named: rows with a forename and a surname; foreHits and surHits:
	// those whose forename, or surname, is a gendered forename.
	named, foreHits, surHits int64
}

const (
	// maxSexContradiction is the share of checked rows whose sex may
	// contradict their forename before the extract is refused.
	maxSexContradiction = 0.25
	// minSurnameForenames is the share of rows with a common forename in
	// the surname column from which the columns are taken to be swapped
	// (when also more than twice the forename column's).
	minSurnameForenames = 0.25
	// minMappingRows is the fewest rows a share is judged on.
	minMappingRows = 100
)

// add counts one normalised row: forename and surname are its canonical
// names ("" when missing), sex its sex.
func (t *mappingTally) add(forename, surname string, sex Sex) {
	if forename == "" {
		return
	}
	want, gendered := genderedForenames[FirstNamePart(forename)]
	if gendered && sex != SexUnknown {
		t.sexChecked++
		if want != sex {
			t.sexContradicted++
		}
	}
	if surname != "" {
		t.named++
		if gendered {
			t.foreHits++
		}
		if _, ok := genderedForenames[FirstNamePart(surname)]; ok {
			t.surHits++
		}
	}
}

// merge adds u's counts to t.
func (t *mappingTally) merge(u mappingTally) {
	t.sexChecked += u.sexChecked
	t.sexContradicted += u.sexContradicted
	t.named += u.named
	t.foreHits += u.foreHits
	t.surHits += u.surHits
}

// checkMapping refuses an extract whose sex contradicts its forenames, or
// whose surnames are forenames, as above, unless allowed.
func checkMapping(t mappingTally, allow bool) error {
	if allow {
		return nil
	}
	var bad []string
	swapped := t.named >= minMappingRows && float64(t.surHits) >= minSurnameForenames*float64(t.named) && t.surHits > 2*t.foreHits
	// The sex is checked against the forename column, which holds the
	// surnames when the columns are swapped.
	if !swapped && t.sexChecked >= minMappingRows && float64(t.sexContradicted) > maxSexContradiction*float64(t.sexChecked) {
		share := float64(t.sexContradicted) / float64(t.sexChecked)
		cause := "the mapping's sex_codes are probably the wrong way round (which code means female and which male)"
		if share < 0.75 {
			cause = "the mapping's sex_codes are probably the wrong way round for part of the extract (two source systems coding sex differently?)"
		}
		bad = append(bad, fmt.Sprintf("sex: on %d of %d rows (%.0f%%) whose forename is one given almost only to girls or only to boys, the sex is the other (a correct mapping: under a few percent): %s",
			t.sexContradicted, t.sexChecked, 100*share, cause))
	}
	if swapped {
		bad = append(bad, fmt.Sprintf("forename and surname: the surname is a common forename on %d of %d rows (%.0f%%), the forename on %d (%.0f%%); a correct mapping has about half its forenames and a few percent of its surnames on pprl's list: the mapping probably has the forename and surname columns the wrong way round",
			t.surHits, t.named, 100*float64(t.surHits)/float64(t.named), t.foreHits, 100*float64(t.foreHits)/float64(t.named)))
	}
	if len(bad) == 0 {
		return nil
	}
	return exitcode.Inputf("%s; nothing was written. Fix the mapping and tokenize again, or --allow-suspect-mapping tokenizes the extract as it is", strings.Join(bad, "; "))
}

// genderedForenames maps forenames given almost only to one sex in
// Scotland and the rest of the UK, across the birth years of children and
// their parents, in canonical form (NormalizeName), to that sex. Names
// given to both (ALEX, JAMIE, JORDAN, CHARLIE, LEE, TAYLOR, MORGAN,
// CAMERON), short forms that stand for names of either sex, and names of
// one sex here and the other elsewhere (JEAN, NICOLA, ANDREA) are left
// out: the list only has to be right for each name it holds, not complete.
var genderedForenames = func() map[string]Sex {
	m := map[string]Sex{}
	for _, n := range strings.Fields(`
		AARON ADAM AIDAN ALAN ALEXANDER ALFIE ALISTAIR ALLAN ANDREW ANGUS ANTHONY ARCHIE ARTHUR
		BARRY BENJAMIN BRIAN CALLUM CALUM CHRISTOPHER COLIN CONNOR CONOR CRAIG DANIEL DARREN
		DAVID DEAN DEREK DOUGLAS DYLAN EDWARD ETHAN EUAN EWAN FINLAY FINN FRASER FREDDIE
		GARY GEORGE GORDON GRAEME GRAHAM GREGOR HAMISH HARRIS HARRISON HARRY HENRY HUGH
		IAIN IAN ISAAC JACK JACOB JAKE JAMES JASON JOHN JONATHAN JOSEPH JOSHUA KEITH KENNETH
		KEVIN KIERAN KYLE LEO LEWIS LIAM LOGAN LUCAS LUKE MALCOLM MARK MARTIN MASON MATTHEW
		MICHAEL MOHAMMED MUHAMMAD NATHAN NEIL NOAH OLIVER OSCAR OWEN PATRICK PAUL PETER
		PHILIP RICHARD ROBERT RODERICK RORY RYAN SAMUEL SEAN SHAUN SIMON STEPHEN STEVEN
		STUART THEO THOMAS TYLER WILLIAM ZACHARY`) {
		m[n] = SexMale
	}
	for _, n := range strings.Fields(`
		ABIGAIL AILSA AIMEE ALICE ALISON AMANDA AMELIA AMY ANGELA ANN ANNA ANNE ANNIE AVA
		CAITLIN CAROL CAROLINE CATHERINE CATRIONA CHARLOTTE CHLOE CHRISTINE CLAIRE DANIELLE
		DEBORAH DIANE DONNA EILEEN EILIDH ELAINE ELEANOR ELIZABETH ELLA ELLIE EMILY EMMA
		ERIN EVA EVIE FIONA FREYA GEMMA GRACE HANNAH HEATHER HELEN HOLLY ISABELLA ISLA
		ISOBEL JACQUELINE JANET JENNIFER JESSICA JOANNE JULIE KAREN KATIE KAYLEIGH
		KIRSTY LAURA LAUREN LEAH LILY LINDA LISA LOUISE LUCY MAIRI MARGARET MARY MEGAN
		MIA MICHELLE MILLIE MORAG NATALIE NIAMH OLIVIA ORLA PAULA POPPY RACHEL
		REBECCA ROSE ROSIE RUBY SANDRA SARAH SHANNON SHARON SHONA SIOBHAN SOPHIA SOPHIE
		STACEY SUSAN TRACEY TRACY VICTORIA WENDY YVONNE ZOE`) {
		m[n] = SexFemale
	}
	return m
}()
