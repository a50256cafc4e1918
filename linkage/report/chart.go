package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Chart is an inline SVG chart as drawing primitives with computed
// coordinates. The template writes every string through html/template, so
// labels taken from the data (dataset names, subgroup values) are escaped.
type Chart struct {
	ID          string // element id prefix, for aria-labelledby
	Title, Desc string
	W, H        int
	Rects       []Rect
	Lines       []Line
	Polylines   []Polyline
	Texts       []Text
	Legend      []LegendItem
}

// Rect is a filled rectangle with a tooltip.
type Rect struct {
	X, Y, W, H string
	Fill       string
	Tip        string
}

// Line is a straight line; Dash is an SVG stroke-dasharray or "".
type Line struct {
	X1, Y1, X2, Y2 string
	Stroke, Dash   string
	Width          string
}

// Polyline is a data series.
type Polyline struct {
	Points string
	Stroke string
	Dash   string
}

// Text is a label. Anchor is start, middle or end.
type Text struct {
	X, Y   string
	Anchor string
	Size   string
	Weight string
	Fill   string
	Value  string
}

// LegendItem explains a colour.
type LegendItem struct {
	Color, Label, Dash string
}

// Colours chosen for contrast on white and for colour-blind readers
// (Okabe-Ito palette).
const (
	colBlue   = "#0072B2"
	colOrange = "#D55E00"
	colGreen  = "#009E73"
	colPurple = "#CC79A7"
	colGrey   = "#595959"
	colAxis   = "#333333"
	colGrid   = "#DDDDDD"
	colMarker = "#B00020"
)

func num(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

// labelWidth estimates the pixel width of a label in a 14px sans-serif font.
func labelWidth(s string) float64 { return 7.6 * float64(len([]rune(s))) }

// barChart draws horizontal bars, one per label. Values are shares in [0,1]
// when percent is true, else counts. The label column is as wide as the
// longest of labels and alignWith, so that charts stacked in one section
// line up.
func barChart(id, title, desc string, labels []string, values []float64, percent bool, alignWith ...string) *Chart {
	const rowH, barH, top, right = 30.0, 20.0, 10.0, 70.0
	left := 0.0
	for _, l := range append(alignWith, labels...) {
		left = math.Max(left, labelWidth(l))
	}
	left = math.Min(left, 260) + 16
	width := 640.0
	plot := width - left - right
	maxV := 1.0
	if !percent {
		maxV = 0
		for _, v := range values {
			maxV = math.Max(maxV, v)
		}
		if maxV == 0 {
			maxV = 1
		}
	}
	h := top + rowH*float64(len(labels)) + 30
	c := &Chart{ID: id, Title: title, Desc: desc, W: int(width), H: int(h)}
	// Grid at 0, 25, 50, 75, 100 % of the scale.
	for i := 0; i <= 4; i++ {
		x := left + plot*float64(i)/4
		c.Lines = append(c.Lines, Line{X1: num(x), Y1: num(top), X2: num(x), Y2: num(h - 24), Stroke: colGrid, Width: "1"})
		v := maxV * float64(i) / 4
		lab := fmtCount(v)
		if percent {
			lab = fmt.Sprintf("%d%%", i*25)
		}
		c.Texts = append(c.Texts, Text{X: num(x), Y: num(h - 8), Anchor: "middle", Size: "13", Fill: colGrey, Value: lab})
	}
	for i, l := range labels {
		y := top + rowH*float64(i)
		v := values[i]
		w := plot * v / maxV
		if v > 0 && w < 1 {
			w = 1
		}
		val := fmtCount(v)
		if percent {
			val = fmtPct(v)
		}
		c.Texts = append(c.Texts, Text{X: num(left - 8), Y: num(y + barH/2 + 5), Anchor: "end", Size: "14", Fill: colAxis, Value: truncate(l, 40)})
		c.Rects = append(c.Rects, Rect{X: num(left), Y: num(y), W: num(w), H: num(barH), Fill: colBlue, Tip: l + ": " + val})
		c.Texts = append(c.Texts, Text{X: num(left + w + 6), Y: num(y + barH/2 + 5), Anchor: "start", Size: "13", Fill: colAxis, Value: val})
	}
	c.Lines = append(c.Lines, Line{X1: num(left), Y1: num(top), X2: num(left), Y2: num(h - 24), Stroke: colAxis, Width: "1"})
	return c
}

// columnChart draws vertical bars over categories (e.g. entity sizes), with
// the count above each bar.
func columnChart(id, title, desc, xLabel string, labels []string, values []float64) *Chart {
	const top, bottom, left, right = 24.0, 56.0, 70.0, 20.0
	width, height := 640.0, 300.0
	plotW, plotH := width-left-right, height-top-bottom
	maxV := 0.0
	for _, v := range values {
		maxV = math.Max(maxV, v)
	}
	maxV, step := countAxis(maxV)
	c := &Chart{ID: id, Title: title, Desc: desc, W: int(width), H: int(height)}
	yTicks(c, left, top, plotW, plotH, maxV, step)
	slot := plotW / float64(len(labels))
	for i, l := range labels {
		x := left + slot*float64(i)
		hgt := plotH * values[i] / maxV
		if values[i] > 0 && hgt < 1 {
			hgt = 1
		}
		c.Rects = append(c.Rects, Rect{X: num(x + slot*0.15), Y: num(top + plotH - hgt), W: num(slot * 0.7), H: num(hgt), Fill: colBlue, Tip: l + ": " + fmtCount(values[i])})
		c.Texts = append(c.Texts, Text{X: num(x + slot/2), Y: num(top + plotH - hgt - 5), Anchor: "middle", Size: "13", Fill: colAxis, Value: fmtCount(values[i])})
		c.Texts = append(c.Texts, Text{X: num(x + slot/2), Y: num(top + plotH + 18), Anchor: "middle", Size: "13", Fill: colAxis, Value: l})
	}
	c.Texts = append(c.Texts, Text{X: num(left + plotW/2), Y: num(height - 10), Anchor: "middle", Size: "13", Fill: colAxis, Value: xLabel})
	return c
}

// countAxis returns the top of a count axis for data up to maxV: a whole
// number of round steps at or above it, so that the tallest bar stays
// under the top grid line.
func countAxis(maxV float64) (top, step float64) {
	if maxV <= 0 {
		maxV = 1
	}
	step = math.Max(1, niceStep(maxV/5)) // counts: whole numbers only
	return math.Ceil(maxV/step) * step, step
}

// yTicks draws a count axis from 0 to maxV (from countAxis) with grid lines.
func yTicks(c *Chart, left, top, plotW, plotH, maxV, step float64) {
	for v := 0.0; v <= maxV*1.0001; v += step {
		y := top + plotH - plotH*v/maxV
		c.Lines = append(c.Lines, Line{X1: num(left), Y1: num(y), X2: num(left + plotW), Y2: num(y), Stroke: colGrid, Width: "1"})
		c.Texts = append(c.Texts, Text{X: num(left - 8), Y: num(y + 4), Anchor: "end", Size: "13", Fill: colGrey, Value: fmtCount(v)})
	}
	c.Lines = append(c.Lines,
		Line{X1: num(left), Y1: num(top + plotH), X2: num(left + plotW), Y2: num(top + plotH), Stroke: colAxis, Width: "1"},
		Line{X1: num(left), Y1: num(top), X2: num(left), Y2: num(top + plotH), Stroke: colAxis, Width: "1"})
}

// Bin counts scores in [Lo, Hi).
type Bin struct {
	Lo, Hi float64
	Count  int64
}

// histogramChart draws score bins with the decision threshold marked.
func histogramChart(id, title, desc string, bins []Bin, threshold float64, hasThreshold bool) *Chart {
	const top, bottom, left, right = 34.0, 56.0, 64.0, 20.0
	width, height := 640.0, 320.0
	plotW, plotH := width-left-right, height-top-bottom
	lo, hi := axisRange(bins[0].Lo, bins[len(bins)-1].Hi, threshold, hasThreshold)
	xOf := func(v float64) float64 { return left + plotW*(v-lo)/(hi-lo) }
	var maxC float64
	for _, b := range bins {
		maxC = math.Max(maxC, float64(b.Count))
	}
	maxC, cstep := countAxis(maxC)
	c := &Chart{ID: id, Title: title, Desc: desc, W: int(width), H: int(height)}
	yTicks(c, left, top, plotW, plotH, maxC, cstep)
	for _, b := range bins {
		x0, x1 := xOf(b.Lo), xOf(b.Hi)
		hgt := plotH * float64(b.Count) / maxC
		if b.Count > 0 && hgt < 1 {
			hgt = 1
		}
		fill := colBlue
		if hasThreshold && b.Hi <= threshold {
			fill = colGrey // below the threshold: not links
		}
		c.Rects = append(c.Rects, Rect{X: num(x0 + 0.5), Y: num(top + plotH - hgt), W: num(math.Max(x1-x0-1, 1)), H: num(hgt), Fill: fill,
			Tip: fmt.Sprintf("score %s to %s: %s pairs", fmtScore(b.Lo), fmtScore(b.Hi), fmtCount(float64(b.Count)))})
	}
	step := niceStep((hi - lo) / 8)
	for v := math.Ceil(lo/step) * step; v <= hi+step/1000; v += step {
		x := xOf(v)
		c.Lines = append(c.Lines, Line{X1: num(x), Y1: num(top + plotH), X2: num(x), Y2: num(top + plotH + 5), Stroke: colAxis, Width: "1"})
		c.Texts = append(c.Texts, Text{X: num(x), Y: num(top + plotH + 20), Anchor: "middle", Size: "13", Fill: colGrey, Value: fmtScore(math.Round(v/step) * step)})
	}
	c.Texts = append(c.Texts, Text{X: num(left + plotW/2), Y: num(height - 10), Anchor: "middle", Size: "13", Fill: colAxis, Value: "score"})
	if hasThreshold {
		markThreshold(c, xOf, lo, hi, top, plotH, threshold)
	}
	return c
}

// axisRange widens [lo, hi] to include the threshold when it lies near the
// data; a threshold far outside (more than half the data's span away) is
// shown as an arrow at the edge instead, so that the data keep the width.
func axisRange(lo, hi, threshold float64, has bool) (float64, float64) {
	if hi <= lo {
		hi = lo + 1
	}
	if has {
		span := hi - lo
		if threshold < lo && lo-threshold <= span/2 {
			lo = threshold
		}
		if threshold > hi && threshold-hi <= span/2 {
			hi = threshold
		}
	}
	return lo, hi
}

// markThreshold draws the threshold as a dashed line, or as a labelled
// arrow at the edge when it is outside [lo, hi].
func markThreshold(c *Chart, xOf func(float64) float64, lo, hi, top, plotH, threshold float64) {
	if threshold < lo || threshold > hi {
		x, anchor, label := xOf(lo), "start", "◀ threshold "+fmtScore(threshold)+" (below every score shown)"
		if threshold > hi {
			x, anchor, label = xOf(hi), "end", "threshold "+fmtScore(threshold)+" (above every score shown) ▶"
		}
		c.Texts = append(c.Texts, Text{X: num(x), Y: num(top - 10), Anchor: anchor, Size: "13", Weight: "bold", Fill: colMarker, Value: label})
		return
	}
	x := xOf(threshold)
	c.Lines = append(c.Lines, Line{X1: num(x), Y1: num(top - 6), X2: num(x), Y2: num(top + plotH), Stroke: colMarker, Dash: "6 4", Width: "2"})
	anchor, dx := "start", 6.0
	if x > float64(c.W)*0.7 {
		anchor, dx = "end", -6
	}
	c.Texts = append(c.Texts, Text{X: num(x + dx), Y: num(top - 10), Anchor: anchor, Size: "13", Weight: "bold", Fill: colMarker, Value: "threshold " + fmtScore(threshold)})
}

// Series is one line of a line chart.
type Series struct {
	Name  string
	Color string
	Dash  string
	Y     []float64
}

// lineChart draws shares in [0,1] against x, with an optional marker.
func lineChart(id, title, desc, xLabel string, x []float64, series []Series, marker float64, hasMarker bool) *Chart {
	const top, bottom, left, right = 34.0, 56.0, 64.0, 20.0
	width, height := 640.0, 320.0
	plotW, plotH := width-left-right, height-top-bottom
	lo, hi := axisRange(x[0], x[len(x)-1], marker, hasMarker)
	xOf := func(v float64) float64 { return left + plotW*(v-lo)/(hi-lo) }
	yOf := func(v float64) float64 { return top + plotH - plotH*v }
	c := &Chart{ID: id, Title: title, Desc: desc, W: int(width), H: int(height)}
	for i := 0; i <= 4; i++ {
		v := float64(i) / 4
		c.Lines = append(c.Lines, Line{X1: num(left), Y1: num(yOf(v)), X2: num(left + plotW), Y2: num(yOf(v)), Stroke: colGrid, Width: "1"})
		c.Texts = append(c.Texts, Text{X: num(left - 8), Y: num(yOf(v) + 4), Anchor: "end", Size: "13", Fill: colGrey, Value: fmt.Sprintf("%d%%", i*25)})
	}
	c.Lines = append(c.Lines,
		Line{X1: num(left), Y1: num(top + plotH), X2: num(left + plotW), Y2: num(top + plotH), Stroke: colAxis, Width: "1"},
		Line{X1: num(left), Y1: num(top), X2: num(left), Y2: num(top + plotH), Stroke: colAxis, Width: "1"})
	step := niceStep((hi - lo) / 8)
	for v := math.Ceil(lo/step) * step; v <= hi+step/1000; v += step {
		xx := xOf(v)
		c.Lines = append(c.Lines, Line{X1: num(xx), Y1: num(top + plotH), X2: num(xx), Y2: num(top + plotH + 5), Stroke: colAxis, Width: "1"})
		c.Texts = append(c.Texts, Text{X: num(xx), Y: num(top + plotH + 20), Anchor: "middle", Size: "13", Fill: colGrey, Value: fmtScore(math.Round(v/step) * step)})
	}
	c.Texts = append(c.Texts, Text{X: num(left + plotW/2), Y: num(height - 10), Anchor: "middle", Size: "13", Fill: colAxis, Value: xLabel})
	for _, s := range series {
		var pts []string
		for i, v := range s.Y {
			pts = append(pts, num(xOf(x[i]))+","+num(yOf(v)))
		}
		c.Polylines = append(c.Polylines, Polyline{Points: strings.Join(pts, " "), Stroke: s.Color, Dash: s.Dash})
		c.Legend = append(c.Legend, LegendItem{Color: s.Color, Label: s.Name, Dash: s.Dash})
	}
	if hasMarker {
		markThreshold(c, xOf, lo, hi, top, plotH, marker)
	}
	return c
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// fmtCount writes a count with thousands separators (1,234,567).
func fmtCount(v float64) string {
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtPct writes a share as a percentage with one decimal.
func fmtPct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

// fmtScore writes a score compactly (up to 3 decimals, no trailing zeros).
func fmtScore(v float64) string {
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
