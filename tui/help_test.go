package tui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// helpText is everything the help screen shows at a size, scrolling it
// with pgdown to its end: each frame must fit the screen.
func helpText(t *testing.T, w, h int) (text string, frames int) {
	t.Helper()
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, w, h)
	press(t, m, "?")
	var seen []string
	prev := ""
	for frames = 0; frames < 20; frames++ {
		out := ansi.Strip(m.Render())
		checkFrame(t, out, w, h)
		if out == prev {
			break
		}
		seen = append(seen, bodyLines(out)...)
		prev = out
		press(t, m, "pgdown")
	}
	if m.focusedScreen() != screenHelp {
		t.Fatalf("scrolling the help left it for %v", m.focusedScreen())
	}
	return strings.Join(seen, "\n"), frames
}

// keyShown reports whether the label of a help entry names the key k
// (arrows as arrows, a range of digits as "1…9").
func keyShown(label, k string) bool {
	pretty := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→"}
	if p, ok := pretty[k]; ok {
		k = p
	}
	if label == k || k == "alt+esc" {
		return true // "/" itself; alt+esc is two Esc read as one, not listed
	}
	for _, part := range strings.Split(label, "/") {
		if part == k {
			return true
		}
		if r := []rune(part); len(r) == 3 && r[1] == '…' && len(k) == 1 && k[0] >= byte(r[0]) && k[0] <= byte(r[2]) {
			return true
		}
	}
	return false
}

// keyMapBindings are the bindings of a KeyMap by field name.
func keyMapBindings(km KeyMap) map[string]key.Binding {
	out := map[string]key.Binding{}
	v := reflect.ValueOf(km)
	for i := range v.NumField() {
		if b, ok := v.Field(i).Interface().(key.Binding); ok {
			out[v.Type().Field(i).Name] = b
		}
	}
	return out
}

// Help lists every binding of the keymap — each of its keys next to its
// description — and every kind's letter with its name, at 80×24 (scrolled)
// and 160×48 (one screen).
func TestHelpListsEveryKeyAndKind(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		text, frames := helpText(t, size[0], size[1])
		if size[0] == 160 && frames != 1 {
			t.Errorf("at 160×48 the help takes %d screens", frames)
		}
		bindings := keyMapBindings(DefaultKeyMap())
		if len(bindings) < 30 {
			t.Fatalf("reflection found %d bindings in KeyMap", len(bindings))
		}
		for name, b := range bindings {
			desc := b.Help().Desc
			if desc == "" || len(b.Keys()) == 0 {
				t.Errorf("binding %s has no keys or no description", name)
				continue
			}
			entry := regexp.MustCompile(`(?m)(?:^|\s)(\S+) +` + regexp.QuoteMeta(desc) + `(?:\s\s|$)`)
			found := false
			for _, g := range entry.FindAllStringSubmatch(text, -1) {
				all := true
				for _, k := range b.Keys() {
					all = all && keyShown(g[1], k)
				}
				found = found || all
			}
			if !found {
				t.Errorf("%dx%d: help lacks %s: %q with keys %q", size[0], size[1], name, desc, b.Keys())
			}
		}
		for _, k := range plan.Kinds() {
			entry := regexp.MustCompile(`(?m)(?:^|\s)` + regexp.QuoteMeta(kindLetter(k)) + `\s+` + regexp.QuoteMeta(kindLabel(k)) + `(?:\s\s|$)`)
			if !entry.MatchString(text) {
				t.Errorf("%dx%d: help does not explain the letter %s (%s)", size[0], size[1], kindLetter(k), kindLabel(k))
			}
		}
		if t.Failed() {
			t.Logf("help at %dx%d:\n%s", size[0], size[1], text)
		}
	}
}

// The help scrolls with the table's keys and says where it is; esc, ? and
// q close it.
func TestHelpScrollsAndCloses(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	press(t, m, "?")
	top := ansi.Strip(m.Render())
	if !strings.Contains(top, "more below") {
		t.Fatalf("help at 80×24 does not say there is more:\n%s", top)
	}
	press(t, m, "end")
	end := ansi.Strip(m.Render())
	if end == top || !strings.Contains(end, "end of help") {
		t.Fatalf("end did not scroll the help to its end:\n%s", end)
	}
	press(t, m, "home")
	if got := ansi.Strip(m.Render()); got != top {
		t.Fatalf("home did not scroll the help back:\n%s", got)
	}
	for _, k := range []string{"esc", "?", "q"} {
		press(t, m, "?", k)
		if m.focusedScreen() != screenTable || m.quitDone() {
			t.Fatalf("%s in the help: screen %v, quitting %v", k, m.focusedScreen(), m.quitDone())
		}
	}
}

// At any width the footer of the table ends with "? help • q quit":
// less important hints go first when space is short.
func TestFooterEndsWithHelpAndQuit(t *testing.T) {
	screens := []struct {
		name string
		keys []string
	}{
		{"table", nil},
		{"table with selection", []string{"space"}},
		{"detail", []string{"enter"}},
		{"history", []string{"H"}},
		{"history items", []string{"H", "enter"}},
	}
	for _, w := range []int{40, 60, 80, 100, 160} {
		for _, sc := range screens {
			be := historyBackend(t)
			be.stored = fixtureData(t, 40)
			m := newTestModel(t, be, w, 24)
			press(t, m, sc.keys...)
			out := ansi.Strip(m.Render())
			checkFrame(t, out, w, 24)
			lines := strings.Split(out, "\n")
			footer := strings.TrimRight(lines[len(lines)-1], " ")
			if !strings.HasSuffix(footer, "? help • q quit") || strings.Contains(footer, "…") {
				t.Errorf("%s at %d columns: footer %q", sc.name, w, footer)
			}
			// At 80 columns the table's keys take the line above the footer.
			keys := lines[len(lines)-2] + "\n" + footer
			if w >= 80 && sc.name == "table with selection" && !strings.Contains(keys, "a approve") {
				t.Errorf("%s at %d columns: the footer drops approve: %q", sc.name, w, keys)
			}
		}
	}
}

// Every key is declared in the keymap and matched with key.Matches: no
// key press is compared with a string (k.String() == "tab", switch
// msg.String() { case "enter": … }) in the package's code.
func TestKeysMatchedThroughKeyMap(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		isString := func(e ast.Expr) bool {
			c, ok := e.(*ast.CallExpr)
			if !ok || len(c.Args) != 0 {
				return false
			}
			s, ok := c.Fun.(*ast.SelectorExpr)
			return ok && s.Sel.Name == "String"
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (isString(n.X) || isString(n.Y)) {
					_, litX := n.X.(*ast.BasicLit)
					_, litY := n.Y.(*ast.BasicLit)
					if litX || litY {
						t.Errorf("%s: key compared with a string: %s", fset.Position(n.Pos()), src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
					}
				}
			case *ast.SwitchStmt:
				if n.Tag != nil && isString(n.Tag) {
					t.Errorf("%s: switch on a key's string", fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
}

// The keys of the export prompt and of the search come from the keymap:
// rebinding them changes what the console answers to.
func TestPromptKeysFollowTheKeyMap(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "e", "tab")
	if !m.State().Export.All {
		t.Fatal("tab did not switch the export to every item")
	}
	press(t, m, "ctrl+a")
	if m.State().Export.All {
		t.Fatal("ctrl+a did not switch the export back to the rows shown")
	}
	press(t, m, "esc")

	keys := m.keyMap()
	keys.ExportScope = key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "rows shown / all"))
	keys.Write = key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "write"))
	press(t, m, "e")
	setPrompt(t, m, "")
	press(t, m, "tab", "f")
	if !m.State().Export.All {
		t.Fatal("the rebound scope key did not switch the export (or tab still does)")
	}
	press(t, m, "enter")
	if m.focusedScreen() != screenExport {
		t.Fatal("enter wrote the report after Write was rebound")
	}
	press(t, m, "W")
	if m.focusedScreen() != screenTable || !strings.Contains(m.State().Status, "export: no file name") {
		t.Fatalf("the rebound write key: screen %v, status %q", m.focusedScreen(), m.State().Status)
	}

	keys.EndSearch = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep the filter"))
	press(t, m, "/", "down")
	if !m.State().Table.Finding {
		t.Fatal("down ended the search after EndSearch was rebound to enter only")
	}
	press(t, m, "enter")
	if m.State().Table.Finding {
		t.Fatal("enter did not end the search")
	}
}
