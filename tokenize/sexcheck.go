package tokenize

import (
	"strings"

	"github.com/pprl/pprl/internal/exitcode"
)

// Sex codes the wrong way round.
//
// A mapping whose sex_codes read "1" as female where the extract means
// male (or "M"/"F" the wrong way round) rejects nothing: every code is
// mapped, every row encodes. But every rule and CLK bit that reads sex then
// disagrees with the other agencies on every true pair, and the match
// silently loses most of them (one agency of four swapped in `pprl synth`:
// entity F1 0.99 → 0.69). The agency can see it before anything leaves the
// building: most forenames are given almost only to girls or only to boys,
// and on a correctly mapped extract the recorded sex contradicts such a
// name on a few rows in a hundred (recording errors). Swapped codes
// contradict it on nearly all.
//
// sexTally counts, over the rows with a known sex whose forename's first
// word is one of genderedForenames, how many have the other sex.
// checkSexCodes refuses the extract (input error, nothing written) when
// that share exceeds maxSexContradiction over at least minSexChecked rows.
// Nothing is reported but the counts.

// sexTally counts rows checked against their forename and contradictions.
type sexTally struct {
	checked, contradicted int64
}

const (
	// maxSexContradiction is the share of checked rows whose sex may
	// contradict their forename before the extract is refused. Correct
	// mappings give a few percent (synth at its high corruption: under 3%).
	maxSexContradiction = 0.25
	// minSexChecked is the fewest checked rows the share is judged on.
	minSexChecked = 100
)

// add counts one normalised row: forename is its canonical forename, sex
// its sex.
func (t *sexTally) add(forename string, sex Sex) {
	if sex == SexUnknown || forename == "" {
		return
	}
	want, ok := genderedForenames[FirstNamePart(forename)]
	if !ok {
		return
	}
	t.checked++
	if want != sex {
		t.contradicted++
	}
}

// merge adds u's counts to t.
func (t *sexTally) merge(u sexTally) {
	t.checked += u.checked
	t.contradicted += u.contradicted
}

// checkSexCodes refuses an extract whose sex contradicts its forenames on
// more than maxSexContradiction of the checked rows, unless allowed.
func checkSexCodes(t sexTally, allow bool) error {
	if allow || t.checked < minSexChecked || float64(t.contradicted) <= maxSexContradiction*float64(t.checked) {
		return nil
	}
	share := float64(t.contradicted) / float64(t.checked)
	cause := "the mapping's sex_codes are probably the wrong way round (which code means female and which male)"
	if share < 0.75 {
		cause = "the mapping's sex_codes are probably the wrong way round for part of the extract (two source systems coding sex differently?)"
	}
	return exitcode.Inputf("sex: on %d of %d rows (%.0f%%) whose forename is one given almost only to girls or only to boys, the sex is the other: %s; nothing was written. Correct mappings give a few percent. Fix the sex_codes and tokenize again, or --allow-sex-mismatch tokenizes the extract as it is",
		t.contradicted, t.checked, 100*share, cause)
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
