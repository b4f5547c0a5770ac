package hikvision_test

import (
	"context"
	"testing"

	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
)

// Names are data, not echoed credentials: a person typed into iVMS as
// "Authorization: see desk" or "Basic Ana" (Bašić) is read as named, and
// the terminal stays readable (issue 11 review: scrubbing every reply
// before decoding broke the page's JSON and renamed Ana).
func TestNamesThatLookLikeCredentialsAreData(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(3)
	names := map[string]string{"1000": "Authorization: see desk", "1001": "Basic Ana", "1002": "Bearer Of Good News"}
	ps := b.term.Persons()
	for i := range ps {
		ps[i].Name = names[ps[i].EmployeeNo]
	}
	b.term.SetPersons(ps)
	accs, err := b.target.Inventory(context.Background(), nil)
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	if len(accs) != 3 {
		t.Fatalf("%d accounts, want 3", len(accs))
	}
	for _, a := range accs {
		if a.Name != names[a.ID] {
			t.Errorf("account %s read as %q, want %q", a.ID, a.Name, names[a.ID])
		}
	}
}
