package tui

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// Every screen follows the component contract.
var (
	_ component = (*tableScreen)(nil)
	_ component = (*detailScreen)(nil)
	_ component = (*approveScreen)(nil)
	_ component = (*applyScreen)(nil)
	_ component = (*helpScreen)(nil)
	_ component = (*historyScreen)(nil)
	_ component = (*exportScreen)(nil)
	_ component = (*linksScreen)(nil)
)

// keyMapField is the binding of km that b is (same keys and help): the
// field to rebind.
func keyMapField(t *testing.T, km *KeyMap, b key.Binding) *key.Binding {
	t.Helper()
	v := reflect.ValueOf(km).Elem()
	for i := range v.NumField() {
		f, ok := v.Field(i).Addr().Interface().(*key.Binding)
		if ok && f.Help() == b.Help() && slices.Equal(f.Keys(), b.Keys()) {
			return f
		}
	}
	t.Fatalf("no binding of the keymap is %q %q", b.Keys(), b.Help())
	return nil
}

// The footer of every screen is its component's ShortHelp: what the
// focused screen says it takes, drawn by bubbles' help; rebinding a key in
// the keymap changes that screen's footer.
func TestFooterIsTheFocusedScreensShortHelp(t *testing.T) {
	table := func(t testing.TB) *fakeBackend {
		be := &fakeBackend{stored: fixtureData(t, 40)}
		be.fresh = be.stored
		return be
	}
	cases := []struct {
		name string
		be   func(t testing.TB) *fakeBackend
		keys []string
		want screen
	}{
		{"table", table, nil, screenTable},
		{"search", table, []string{"/"}, screenTable},
		{"detail", table, []string{"enter"}, screenDetail},
		{"approve", table, []string{"space", "a"}, screenApprove},
		{"applied", table, []string{"space", "a", "y"}, screenApply},
		{"help", table, []string{"?"}, screenHelp},
		{"history", historyBackend, []string{"H"}, screenHistory},
		{"history items", historyBackend, []string{"H", "enter"}, screenHistory},
		{"export", table, []string{"e"}, screenExport},
		{"links", newLinksBackend, []string{"L"}, screenLinks},
		{"links import", newLinksBackend, []string{"L", "i"}, screenLinks},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, c.be(t), 100, 24)
			press(t, m, c.keys...)
			if m.focusedScreen() != c.want {
				t.Fatalf("%v opened %v, want %v", c.keys, m.focusedScreen(), c.want)
			}
			footer := func() string {
				lines := strings.Split(ansi.Strip(m.Render()), "\n")
				return lines[len(lines)-1]
			}
			short := m.footerKeys()
			if len(short) == 0 {
				t.Fatal("the screen names no key for the footer")
			}
			if got, want := footer(), ansi.Strip(m.keyHelp().ShortHelpView(short)); got != want {
				t.Fatalf("footer %q, want the screen's ShortHelp %q", got, want)
			}
			first := short[0].Help()
			keyMapField(t, m.keyMap(), short[0]).SetHelp("F9", first.Desc)
			got := footer()
			if !strings.Contains(got, "F9 "+first.Desc) || strings.Contains(got, first.Key+" "+first.Desc) {
				t.Fatalf("after rebinding %q to F9 the footer is %q", first.Key+" "+first.Desc, got)
			}
			if m.focusedScreen() != c.want {
				t.Fatalf("rendering moved the focus to %v", m.focusedScreen())
			}
		})
	}
}
