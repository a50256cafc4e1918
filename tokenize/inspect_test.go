package tokenize

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	res, err := runSmall(t, dir, smallExtract, 1)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(res.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in.Records != 3 || in.Sealed {
		t.Fatalf("records %d sealed %v", in.Records, in.Sealed)
	}
	// From TestTokenizeRowPolicy: t1–t3, t6, t9, t15 and t17 are null for
	// 2 of 3 records, t5, t7, t8, t10 to t14 for 1, and t16 (no middle
	// names in the extract) for all 3.
	wantNulls := []int{2, 2, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 2, 3, 2}
	if len(in.Rules) != len(wantNulls) {
		t.Fatalf("%d rules, want %d", len(in.Rules), len(wantNulls))
	}
	for r, nr := range in.Rules {
		if nr.Nulls != wantNulls[r] {
			t.Errorf("%s: %d nulls, want %d", nr.Name, nr.Nulls, wantNulls[r])
		}
	}
	total := 0
	for _, b := range in.Popcount.Bins {
		total += b.Count
		if b.Count > 0 && (in.Popcount.Min > b.To || in.Popcount.Max < b.From) {
			t.Errorf("bin %d-%d has CLKs outside min..max", b.From, b.To)
		}
	}
	if total != 3 || in.Popcount.Mean <= 0 || in.Popcount.Bins[len(in.Popcount.Bins)-1].To != 1024 {
		t.Errorf("histogram %+v", in.Popcount)
	}
	var text, js bytes.Buffer
	in.WriteText(&text)
	if err := in.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Inspection
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Records != 3 {
		t.Errorf("JSON round trip: %v", err)
	}
	for _, v := range []string{"McDonald", "MCDONALD", "Smith", "20100924"} {
		if strings.Contains(text.String(), v) || strings.Contains(js.String(), v) {
			t.Errorf("inspect output contains %q", v)
		}
	}
	if !strings.Contains(text.String(), "rejected: record         no_name_or_dob     2") {
		t.Errorf("text output:\n%s", text.String())
	}
}
