package cli

import (
	"strings"
	"testing"

	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/exitcode"
	"github.com/doorsync/doorsync/internal/plan"
)

// TestControlCharacterInOneNameRenewsEveryoneElse: issue 11 §4. One
// member's first name carries an ANSI escape ("\x1b[31m"; the emulator
// sends it as &#x1B;, as the real service can). Before, the whole export
// failed ("illegal character code U+001B", naming the member before),
// --auto exited 1 and nobody was renewed. Now that member is invalid, with
// a reason naming them and the field, and everyone else is renewed; no
// escape reaches the output.
func TestControlCharacterInOneNameRenewsEveryoneElse(t *testing.T) {
	s := startIdentitySite(t)
	s.CardskipperServer.SetMembers([]csemu.Member{
		s.member("6001", "Ana", "Hren", "ana.hren@example.si", 90),
		s.member("6002", "Bor\x1b[31m", "Kos", "bor.kos@example.si", 90),
		s.member("6003", "Cene", "Zupan", "cene.zupan@example.si", 90),
	})
	s.term.SetPersons([]hikemu.Person{
		s.person("3601", "Ana Hren", "ana.hren@example.si", 10),
		s.person("3602", "Bor Kos", "bor.kos@example.si", 10),
		s.person("3603", "Cene Zupan", "cene.zupan@example.si", 10),
	})
	var bor *plan.Item
	p := s.plan(t)
	for i, it := range p.Items {
		if it.MemberID == "6002" && it.Kind == plan.Invalid {
			bor = &p.Items[i]
		}
	}
	if bor == nil {
		t.Fatalf("no invalid item of member 6002 in the plan: %+v", p.Items)
	}
	if want := "member 6002 <bor.kos@example.si>: Firstname has the control character U+001B"; !strings.Contains(bor.Reason, want) {
		t.Errorf("reason %q does not say %q", bor.Reason, want)
	}
	if strings.ContainsRune(bor.Reason, 0x1b) {
		t.Errorf("reason %q carries the escape", bor.Reason)
	}
	r := s.auto(t)
	if r.code != exitcode.OK {
		t.Fatalf("--auto: exit %d, want 0 (an invalid member is reported, not a failure)\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.ContainsRune(r.stdout+r.stderr, 0x1b) {
		t.Errorf("the output carries the escape:\n%q", r.stdout+r.stderr)
	}
	for acc, want := range map[string]string{"3601": s.end(90), "3602": s.end(10), "3603": s.end(90)} {
		if got := s.endOf(t, acc); got != want {
			t.Errorf("account %s ends %s, want %s", acc, got, want)
		}
	}
}
