package report_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pprl/pprl/linkage/evaluate"
	"github.com/pprl/pprl/linkage/evaluate/evaluatetest"
	"github.com/pprl/pprl/linkage/report"
)

// fixture writes a small three-dataset linkage (record IDs look like
// identifiers on purpose, so that the tests can check none leaks) and its
// truth, and returns the outputs directory and the truth path.
func fixture(t *testing.T, datasetName string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ents := []evaluatetest.Entity{
		{EntityID: "E00000000000000a1", Dataset: datasetName, RecordID: "REC-SECRET-1", Attrs: map[string]string{"birth_year_band": "2010-2014"}},
		{EntityID: "E00000000000000a1", Dataset: "health", RecordID: "REC-SECRET-2", Attrs: map[string]string{"birth_year_band": "2010-2014"}},
		{EntityID: "E00000000000000a2", Dataset: "education", RecordID: "REC-SECRET-3", Attrs: map[string]string{"birth_year_band": "2015-2019"}},
		{EntityID: "E00000000000000a3", Dataset: "health", RecordID: "REC-SECRET-4"},
		{EntityID: "E00000000000000a2", Dataset: "health", RecordID: "REC-SECRET-5", Attrs: map[string]string{"birth_year_band": "2015-2019"}},
	}
	links := []evaluatetest.Link{
		{DatasetA: datasetName, RecordIDA: "REC-SECRET-1", DatasetB: "health", RecordIDB: "REC-SECRET-2", Score: 21.5, Dice: 0.97, Rules: "t1,t2"},
		{DatasetA: "education", RecordIDA: "REC-SECRET-3", DatasetB: "health", RecordIDB: "REC-SECRET-5", Score: 9.25, Dice: 0.88, Rules: ""},
	}
	summary := map[string]any{
		"inputs": []any{
			map[string]any{"dataset": datasetName, "rows": 1, "schema_fingerprint": "S1", "secret_fingerprint": "AAAA-BBBB-CCCC-DDDD"},
			map[string]any{"dataset": "education", "rows": 1, "schema_fingerprint": "S1", "secret_fingerprint": "AAAA-BBBB-CCCC-DDDD"},
			map[string]any{"dataset": "health", "rows": 3, "schema_fingerprint": "S1", "secret_fingerprint": "AAAA-BBBB-CCCC-DDDD"},
		},
		"threshold": map[string]any{"value": 6.5, "method": "auto-posterior", "why": "posterior 0.5"},
		"counts":    map[string]any{"candidates": 4},
		"field_agreement": []any{
			map[string]any{"dataset_a": "education", "dataset_b": "health", "field": "postcode", "pairs": 1000, "agree": 900, "share": 0.9},
			map[string]any{"dataset_a": "education", "dataset_b": "health", "field": "sex", "pairs": 973, "agree": 37, "share": 0.038, "mismatch": true},
		},
	}
	if err := evaluatetest.Dir(dir, ents, links, summary, "birth_year_band"); err != nil {
		t.Fatal(err)
	}
	truth := "dataset,record_id,person_id,sex,age_band\n" +
		datasetName + ",REC-SECRET-1,PERSON-SECRET-1,F,10-15\nhealth,REC-SECRET-2,PERSON-SECRET-1,F,10-15\n" +
		"education,REC-SECRET-3,PERSON-SECRET-2,M,5-9\nhealth,REC-SECRET-4,PERSON-SECRET-2,M,5-9\nhealth,REC-SECRET-5,PERSON-SECRET-3,M,5-9\n"
	tp := filepath.Join(t.TempDir(), "truth.csv")
	if err := os.WriteFile(tp, []byte(truth), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, tp
}

func render(t *testing.T, dir, truth string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.html")
	if err := report.Run(dir, report.Options{Truth: evaluate.TruthSpec{Path: truth}}, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkHTML parses the page (encoding/xml in its HTML mode) and fails on
// a parse error, a script, or any attribute that could load a resource from
// elsewhere.
func checkHTML(t *testing.T, page []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	elements := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("report does not parse: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		elements++
		switch strings.ToLower(se.Name.Local) {
		case "script", "iframe", "object", "embed", "link", "img", "image", "use":
			t.Errorf("report has a <%s> element", se.Name.Local)
		}
		for _, a := range se.Attr {
			name := strings.ToLower(a.Name.Local)
			if name == "src" || name == "href" || name == "srcset" || name == "action" || name == "data" || strings.HasPrefix(name, "on") {
				t.Errorf("report has attribute %s=%q on <%s>", a.Name.Local, a.Value, se.Name.Local)
			}
		}
	}
	if elements < 100 {
		t.Errorf("report has only %d elements", elements)
	}
	for _, bad := range []string{"http://", "https://", "url(", "@import", "//cdn", "<script"} {
		if bytes.Contains(bytes.ToLower(page), []byte(bad)) {
			t.Errorf("report contains %q", bad)
		}
	}
}

func TestReportSelfContained(t *testing.T) {
	dir, truth := fixture(t, "social_work")
	for _, tc := range []struct{ name, truth string }{{"with truth", truth}, {"without truth", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			page := render(t, dir, tc.truth)
			checkHTML(t, page)
			for _, secret := range []string{"REC-SECRET", "PERSON-SECRET", "E00000000000000a"} {
				if bytes.Contains(page, []byte(secret)) {
					t.Errorf("report contains an identifier (%s…)", secret)
				}
			}
			for _, want := range []string{"Score distribution", "threshold 6.5", "Match rates by dataset pair", "Entity sizes",
				"How to read this report", "AAAA-BBBB-CCCC-DDDD", "social_work → health", "Share linked by birth year band", "2015-2019",
				"Do the datasets&#39; fields agree?", "coded differently?", "3.8%", "education – health: sex"} {
				if !bytes.Contains(page, []byte(want)) {
					t.Errorf("report lacks %q", want)
				}
			}
			withTruth := []string{"Precision and recall against the threshold", "Recall by age band", "Recall by sex"}
			for _, want := range withTruth {
				if got := bytes.Contains(page, []byte(want)); got != (tc.truth != "") {
					t.Errorf("report has %q: %v, want %v", want, got, tc.truth != "")
				}
			}
		})
	}
}

func TestReportDeterministic(t *testing.T) {
	dir, truth := fixture(t, "social_work")
	a, b := render(t, dir, truth), render(t, dir, truth)
	if !bytes.Equal(a, b) {
		t.Error("two renderings of the same outputs differ")
	}
}

func TestReportEscapes(t *testing.T) {
	// A hostile dataset name must come out as text, not markup.
	dir, truth := fixture(t, `<script>alert(1)</script>&x`)
	page := render(t, dir, truth)
	checkHTML(t, page)
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("dataset name not escaped as text")
	}
}

func TestReportRefusesBadOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	err := report.Run(t.TempDir(), report.Options{}, out)
	if err == nil || !strings.Contains(err.Error(), "summary.json") {
		t.Fatalf("err = %v", err)
	}
	if _, statErr := os.Stat(out); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("a failed run left %s behind", out)
	}
}

// TestReportInChromium renders the report in headless Chromium, when it is
// installed, and checks that the screenshot is a real, non-blank page.
func TestReportInChromium(t *testing.T) {
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("Chromium is not installed (Debian: apt-get install chromium); the report was not checked in a browser")
	}
	dir, truth := fixture(t, "social_work")
	tmp := t.TempDir()
	page := filepath.Join(tmp, "report.html")
	if err := report.Run(dir, report.Options{Truth: evaluate.TruthSpec{Path: truth}}, page); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(tmp, "shot.png")
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(tmp, "profile"), "--screenshot="+shot, "--window-size=1280,2400", "file://"+page)
	done := make(chan error, 1)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, stderr.String())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("chromium did not finish within 90 s")
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != 2400 {
		t.Errorf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	// A rendered page has the dark header, white sections, text and blue
	// bars: count distinct colours on a coarse grid and the dark pixels.
	colours := map[uint32]bool{}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
			if r < 0x4000 && g < 0x4000 && bl < 0x6000 {
				dark++
			}
		}
	}
	if len(colours) < 8 || dark < 500 {
		t.Errorf("screenshot looks blank: %d colours, %d dark samples", len(colours), dark)
	}
}
