package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// hostileNames are what an attacker types into a name in Cardskipper or
// iVMS-4200 (issue 11 §6): a hyperlink, a clipboard write, a screen clear,
// the C1 CSI, a bell, a right-to-left override and zero-width characters.
var hostileNames = []string{
	"\x1b]8;;https://evil.example/\x1b\\Ana\x1b]8;;\x1b\\",
	"\x1b]52;c;ZWNobyBoaQ==\x07Boris",
	"\x1b[2J\x1b[HCiril",
	"Dana\u009b31m",
	"\u202Ekavon\u200b",
}

// hostileBackend is the table's fixture whose member and account names,
// door events and history are hostile, as a database written before names
// were cleaned where they enter may still hold them.
func hostileBackend(t testing.TB) *fakeBackend {
	in := fixtureInput(t, 16)
	for i := range in.Members {
		h := hostileNames[i%len(hostileNames)]
		in.Members[i].FirstName, in.Members[i].LastName = h, h
	}
	for ti := range in.Targets {
		accs := make([]target.Account, len(in.Targets[ti].Accounts))
		copy(accs, in.Targets[ti].Accounts)
		for i := range accs {
			accs[i].Name = strings.ToUpper(hostileNames[i%len(hostileNames)])
		}
		in.Targets[ti].Accounts = accs
	}
	d := dataOf(in)
	hist := make([]HistoryEntry, 0, len(hostileNames))
	for i, h := range hostileNames {
		hist = append(hist, HistoryEntry{RunID: int64(3 + i), At: fixtureNow.Add(-26 * time.Hour), Kind: plan.Extend, Email: d.Plan.Items[0].Email,
			Target: "entrance", Account: fmt.Sprint(1001 + i), Status: "failed", Error: "terminal said: " + h})
	}
	ev := EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance"}, Failed: []string{"terminal gym: " + hostileNames[1]}}
	for i, h := range hostileNames {
		ev.Entries = append(ev.Entries, EventEntry{Target: "entrance", Event: target.Event{Time: fixtureNow.Add(-time.Duration(i+1) * time.Hour),
			Account: "1001", Name: h, Outcome: target.OutcomeDenied, Reason: h, Door: h, Code: "5/76"}})
	}
	return &fakeBackend{stored: d, fresh: d, history: hist, events: ev, runs: historyRuns(),
		runItems: map[int64][]HistoryEntry{12: hist}, why: hostileWhy(in.Members)}
}

// No screen of the console lets a hostile name drive the admin's terminal:
// every escape sequence in the frame is one of the console's own colours,
// and no C1, bidi or zero-width character is left; what the admin reads is
// pinned by goldens.
func TestHostileNamesNeverReachTheTerminal(t *testing.T) {
	for _, sc := range []struct {
		name string
		keys []string
	}{
		{"table", []string{"0"}},
		{"detail", []string{"0", "enter"}},
		{"detail_end", []string{"0", "enter", "G"}},
		{"history", []string{"H", "enter"}},
		{"approve", []string{"A", "a"}},
		{"links", []string{"L"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			m := newTestModel(t, hostileBackend(t), 80, 24)
			press(t, m, sc.keys...)
			out := m.Render()
			for i, l := range strings.Split(out, "\n") {
				if bad := outsideSGR(l); bad != "" {
					t.Errorf("line %d carries %s: %q", i+1, bad, l)
				}
			}
			plain := ansi.Strip(out)
			checkFrame(t, plain, 80, 24)
			golden.RequireEqual(t, plain)
		})
	}
}

// outsideSGR names the first thing in l that is neither text nor an SGR
// sequence, or "".
func outsideSGR(l string) string {
	for i := 0; i < len(l); {
		if l[i] == 0x1b {
			j := i + 2
			if j > len(l) || l[i+1] != '[' {
				return "an escape sequence that is not a colour"
			}
			for j < len(l) && (l[j] >= '0' && l[j] <= '9' || l[j] == ';' || l[j] == ':') {
				j++
			}
			if j == len(l) || l[j] != 'm' {
				return "an escape sequence that is not a colour"
			}
			i = j + 1
			continue
		}
		r, n := utf8.DecodeRuneInString(l[i:])
		switch {
		case unicode.IsControl(r):
			return fmt.Sprintf("control character %U", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("format character %U", r)
		}
		i += n
	}
	return ""
}
