package cli

// Issue 11, end to end: what hostile data from outside does to doorsync's
// own output.

import (
	"strings"
	"testing"

	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
)

// One 20,000-character name made `plan --all` print 6.3 MB, every row
// padded to it; a tab in a name shifted the columns.
func TestPlanTextColumnsAreBounded(t *testing.T) {
	s := startIdentitySite(t)
	long := strings.Repeat("Dolgoime", 2500)
	s.CardskipperServer.SetMembers([]csemu.Member{
		s.member("1001", long, "Novak", "long@example.si", 40),
		s.member("1002", "Ana\tB", "Kos", "ana@example.si", 40),
		s.member("1003", "Vid", "Vidmar", "vid@example.si", 40),
	})
	s.term.SetPersons([]hikemu.Person{s.person("3001", "Vid Vidmar", "vid@example.si", 40)})
	r := s.run(t, "plan", "--all")
	if r.code != 0 {
		t.Fatalf("plan --all: exit %d\n%s", r.code, r.stderr)
	}
	if len(r.stdout) > 16<<10 {
		t.Errorf("plan --all printed %d bytes for 3 members", len(r.stdout))
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if n := len([]rune(line)); n > 400 {
			t.Errorf("a line of %d characters: %.120s…", n, line)
		}
	}
	if !strings.Contains(r.stdout, "DolgoimeDolgoime") || !strings.Contains(r.stdout, "…") {
		t.Errorf("the long name is not shown cut with …:\n%.2000s", r.stdout)
	}
	// Vid's row and the header line up: the tab in Ana's name is a space.
	var header, vid string
	for _, line := range strings.Split(r.stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "kind "):
			header = line
		case strings.Contains(line, "vid@example.si"):
			vid = line
		}
	}
	if i, j := strings.Index(header, "name"), strings.Index(vid, "Vid Vidmar"); i < 0 || i != j {
		t.Errorf("columns do not line up (name at %d, Vid's name at %d):\n%s\n%s", i, j, header, vid)
	}
}
