package audit

import (
	"context"
	"testing"
	"time"
	"os"
	"strconv"
)

func TestDev(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DEVN"))
	if n == 0 { t.Skip() }
	fl, sl := loadTestList(t, "forenames.csv"), loadTestList(t, "surnames.csv")
	people := synthPeople(n, 1, fl, sl)
	k, _ := strconv.Atoi(os.Getenv("DEVK"))
	if k == 0 { k = 20 }
	e := encoding{bits: 1024, k: k}
	if os.Getenv("DEVSALT") != "" { e.saltYear = true }
	if tt, _ := strconv.Atoi(os.Getenv("DEVT")); tt > 0 { e.diffusionT = tt }
	if os.Getenv("DEVFOLD") != "" { e.xorFold = true }
	clks := e.encodeAll(t, []byte("secret"), people)
	t0 := time.Now()
	res, _, err := run(context.Background(), clks, 128, Config{Forenames: fl, Surnames: sl}, truthOf(people))
	if err != nil { t.Fatal(err) }
	t.Logf("%.2fs", time.Since(t0).Seconds())
	for _, a := range res.Attacks {
		t.Logf("%s atoms=%d labelled=%d", a.Attack, a.Atoms, a.Labelled)
		for _, f := range a.Fields {
			t.Logf("  %s rec=%.3f conf=%d prec=%.3f guessed=%d", f.Field, *f.RecoveryRate, f.Confident, *f.ConfidentPrecision, f.Guessed)
		}
	}
}
