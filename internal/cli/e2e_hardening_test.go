package cli

// Issue 11, end to end: what hostile data from outside does to doorsync's
// own output.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

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

// hostileName carries an OSC 8 hyperlink, a C1 CSI, an OSC 52 clipboard
// write, a bell and a right-to-left override: a name typed into iVMS-4200
// by someone who wants to reach the admin's terminal or clipboard.
const hostileName = "\x1b]8;;https://evil.example/\x1b\\Vid\x1b]8;;\x1b\\\u009b31m \x1b]52;c;ZWNobyBoaQ==\x07\u202EVidmar\a"

// outsideControl reports what of an escape sequence from outside survived
// in out ("" when nothing did).
func outsideControl(out string) string {
	for _, bad := range []string{"\x1b]8", "\x1b]52", "\u009b", "\u202E", "\a"} {
		if strings.Contains(out, bad) {
			return strings.ToValidUTF8(fmt.Sprintf("%q", bad), "?")
		}
	}
	return ""
}

func TestHostileTerminalNamesReachNoOutput(t *testing.T) {
	s := startIdentitySite(t)
	s.CardskipperServer.SetMembers([]csemu.Member{s.member("1001", "Vid", "Vidmar", "vid@example.si", 40)})
	s.term.SetPersons([]hikemu.Person{s.person("3001", hostileName, "vid@example.si", 10)})
	dir := t.TempDir()
	outputs := map[string]string{}
	for _, args := range [][]string{{"plan"}, {"plan", "--all"}, {"plan", "--json", "--all"}, {"--auto"}, {"history", "--run", "1"}} {
		r := s.run(t, args...)
		outputs[strings.Join(args, " ")] = r.stdout + r.stderr
	}
	for _, format := range []string{"csv", "md", "html", "json"} {
		file := filepath.Join(dir, "report."+format)
		if r := s.run(t, "report", "--format", format, "--out", file); r.code != 0 {
			t.Fatalf("report --format %s: exit %d\n%s", format, r.code, r.stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		outputs["report "+format] = string(b)
	}
	outputs["console"] = s.consoleFrame(t)
	for what, out := range outputs {
		if bad := outsideControl(out); bad != "" {
			t.Errorf("%s carries %s from the terminal's name:\n%.600q", what, bad, out)
		}
	}
	if !strings.Contains(outputs["plan --all"], "Vidmar") {
		t.Errorf("the name is gone altogether:\n%s", outputs["plan --all"])
	}
}

// A member's name from Cardskipper carrying what XML allows but a terminal
// obeys (a C1 CSI, a bidi override, zero-width characters) reaches no
// output; the member is renewed as usual.
func TestHostileMemberNamesReachNoOutput(t *testing.T) {
	s := startIdentitySite(t)
	s.CardskipperServer.SetMembers([]csemu.Member{s.member("1001", "Vid\u009b31m\u200b", "\u202EVidmar", "vid@example.si", 40)})
	s.term.SetPersons([]hikemu.Person{s.person("3001", "Vid Vidmar", "vid@example.si", 10)})
	outputs := map[string]string{}
	for _, args := range [][]string{{"plan", "--all"}, {"plan", "--json", "--all"}, {"--auto"}, {"history", "--run", "1"}} {
		r := s.run(t, args...)
		outputs[strings.Join(args, " ")] = r.stdout + r.stderr
	}
	outputs["console"] = s.consoleFrame(t)
	for what, out := range outputs {
		if bad := outsideControl(out); bad != "" || strings.ContainsRune(out, '\u200b') {
			t.Errorf("%s carries %s from the member's name:\n%.600q", what, bad, out)
		}
	}
	if got := s.endOf(t, "3001"); got != s.end(40) {
		t.Errorf("Vid was not renewed: 3001 ends %s", got)
	}
}

// consoleFrame is the console's first frame (160×48, all rows) on this
// site's stored data, as an admin would see it.
func (s *identitySite) consoleFrame(t *testing.T) string {
	t.Helper()
	be := s.consoleBackend(t)
	m := firstFrame(t, context.Background(), be.app, be.ses, nil)
	m.Update(tea.KeyPressMsg{Code: '0', Text: "0"}) // the "all" tab
	frame := m.Render()
	if !strings.Contains(frame, "Vidmar") {
		t.Errorf("the console does not show the member:\n%s", frame)
	}
	return frame
}

// The headless printer quotes servers' replies and names: never a control
// character or bidi override from outside on the operator's terminal.
func TestPrinterCleansWhatItQuotes(t *testing.T) {
	var b strings.Builder
	p := newPrinter("text", &b, nil)
	p.Print(Line{Status: "fail", Subject: "source\x1b]8;;x\x1b\\", Check: "export\u202E", Detail: "invalid XML name: \u009b31m \x1b]52;c;YQ==\a"})
	if bad := outsideControl(b.String()); bad != "" {
		t.Errorf("printed %s: %q", bad, b.String())
	}
}
