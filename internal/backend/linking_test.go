package backend

import (
	"testing"

	"github.com/doorsync/doorsync/internal/plan"
)

// An iVMS-4200 export links only Hikvision terminals' persons; NTK keeps
// no accounts to link; each no says why (issue 13 §14).
func TestLinkingOf(t *testing.T) {
	for _, c := range []struct {
		system         string
		accounts, ivms bool
	}{
		{"hikvision", true, true},
		{"neyross", true, false},
		{"ntk", false, false},
	} {
		l := LinkingOf(c.system)
		if l.Accounts != c.accounts || l.IVMS != c.ivms {
			t.Errorf("%s: accounts %v, iVMS %v; want %v, %v", c.system, l.Accounts, l.IVMS, c.accounts, c.ivms)
		}
		if (!l.Accounts && l.NoAccounts == "") || (!l.IVMS && l.NoIVMS == "") {
			t.Errorf("%s: a no without its reason: %+v", c.system, l)
		}
	}
	ts := []plan.TargetSummary{{Name: "entrance", System: "hikvision"}, {Name: "ntk", System: "ntk"}}
	if l := LinkingOfTarget(ts, "ntk"); l.Accounts {
		t.Error("the target ntk of system ntk keeps accounts")
	}
	if l := LinkingOfTarget(ts, "entrance"); !l.IVMS {
		t.Error("the terminal entrance takes no iVMS import")
	}
}
