package tui

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// minContrast is the WCAG contrast ratio every glyph must reach against
// what is behind it: 3:1, the floor for large text and interface parts
// (terminal themes themselves often stay under 4.5:1 for their ANSI
// colours, Solarized even for its default text).
const minContrast = 3.0

// theme is a terminal colour scheme: its 16 ANSI colours and its default
// text and background.
type theme struct {
	name   string
	fg, bg color.RGBA
	ansi   [16]color.RGBA
}

func hexRGB(s string) color.RGBA {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(s) != 7 {
		panic("bad colour " + s)
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

func newTheme(name, fg, bg string, palette ...string) theme {
	if len(palette) != 16 {
		panic(name + ": a palette has 16 colours")
	}
	th := theme{name: name, fg: hexRGB(fg), bg: hexRGB(bg)}
	for i, c := range palette {
		th.ansi[i] = hexRGB(c)
	}
	return th
}

// themes are common terminals' default schemes, dark and light: what an
// operator's console is drawn with when the terminal keeps its defaults.
func themes() []theme {
	xterm := []string{"#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
		"#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff"}
	vga := []string{"#000000", "#aa0000", "#00aa00", "#aa5500", "#0000aa", "#aa00aa", "#00aaaa", "#aaaaaa",
		"#555555", "#ff5555", "#55ff55", "#ffff55", "#5555ff", "#ff55ff", "#55ffff", "#ffffff"}
	campbell := []string{"#0c0c0c", "#c50f1f", "#13a10e", "#c19c00", "#0037da", "#881798", "#3a96dd", "#cccccc",
		"#767676", "#e74856", "#16c60c", "#f9f1a5", "#3b78ff", "#b4009e", "#61d6d6", "#f2f2f2"}
	tango := []string{"#2e3436", "#cc0000", "#4e9a06", "#c4a000", "#3465a4", "#75507b", "#06989a", "#d3d7cf",
		"#555753", "#ef2929", "#8ae234", "#fce94f", "#729fcf", "#ad7fa8", "#34e2e2", "#eeeeec"}
	apple := []string{"#000000", "#990000", "#00a600", "#999900", "#0000b2", "#b200b2", "#00a6b2", "#bfbfbf",
		"#666666", "#e50000", "#00d900", "#e5e500", "#0000ff", "#e500e5", "#00e5e5", "#e5e5e5"}
	// Solarized maps the bright colours to its grey tones: bright black is
	// the dark background itself, bright white the light one.
	solarized := []string{"#073642", "#dc322f", "#859900", "#b58900", "#268bd2", "#d33682", "#2aa198", "#eee8d5",
		"#002b36", "#cb4b16", "#586e75", "#657b83", "#839496", "#6c71c4", "#93a1a1", "#fdf6e3"}
	return []theme{
		newTheme("xterm", "#000000", "#ffffff", xterm...),
		newTheme("xterm -rv", "#ffffff", "#000000", xterm...),
		newTheme("Linux console", "#aaaaaa", "#000000", vga...),
		newTheme("Windows Terminal Campbell", "#cccccc", "#0c0c0c", campbell...),
		newTheme("GNOME Tango dark", "#d3d7cf", "#2e3436", tango...),
		newTheme("GNOME Tango light", "#2e3436", "#eeeeec", tango...),
		newTheme("Ubuntu", "#ffffff", "#300a24", tango...),
		newTheme("macOS Terminal Basic", "#000000", "#ffffff", apple...),
		newTheme("Solarized dark", "#839496", "#002b36", solarized...),
		newTheme("Solarized light", "#657b83", "#fdf6e3", solarized...),
	}
}

// rgb is the colour c shows as in the theme; def when c is the default.
func (th theme) rgb(c color.Color, def color.RGBA) color.RGBA {
	switch c := c.(type) {
	case nil:
		return def
	case ansi.BasicColor:
		return th.ansi[c]
	case ansi.IndexedColor:
		if c < 16 {
			return th.ansi[c]
		}
		return xterm256(int(c))
	}
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 255}
}

// xterm256 is a colour of the 256-colour cube or grey ramp, which themes
// leave as xterm defines them.
func xterm256(i int) color.RGBA {
	if i >= 232 {
		v := uint8(8 + 10*(i-232))
		return color.RGBA{R: v, G: v, B: v, A: 255}
	}
	levels := [6]uint8{0, 95, 135, 175, 215, 255}
	i -= 16
	return color.RGBA{R: levels[i/36], G: levels[i/6%6], B: levels[i%6], A: 255}
}

// contrast is the WCAG 2 contrast ratio of two colours (1 to 21).
func contrast(a, b color.RGBA) float64 {
	lum := func(c color.RGBA) float64 {
		lin := func(v uint8) float64 {
			x := float64(v) / 255
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
	}
	x, y := lum(a), lum(b)
	if x < y {
		x, y = y, x
	}
	return (x + 0.05) / (y + 0.05)
}

// sgr is the graphic state a glyph is drawn with.
type sgr struct {
	fg, bg              color.Color
	bold, faint, italic bool
	reverse, underline  bool
}

// colours are the glyph's ink and paper in a theme.
func (s sgr) colours(th theme) (ink, paper color.RGBA) {
	ink, paper = th.rgb(s.fg, th.fg), th.rgb(s.bg, th.bg)
	if s.reverse {
		ink, paper = paper, ink
	}
	if s.faint { // what terminals commonly do: half way to the background
		ink = color.RGBA{R: uint8((int(ink.R) + int(paper.R)) / 2), G: uint8((int(ink.G) + int(paper.G)) / 2),
			B: uint8((int(ink.B) + int(paper.B)) / 2), A: 255}
	}
	return ink, paper
}

func (s sgr) String() string {
	var parts []string
	if s.fg != nil {
		parts = append(parts, fmt.Sprintf("fg %v", s.fg))
	}
	if s.bg != nil {
		parts = append(parts, fmt.Sprintf("bg %v", s.bg))
	}
	for _, a := range []struct {
		on   bool
		name string
	}{{s.bold, "bold"}, {s.faint, "faint"}, {s.italic, "italic"}, {s.reverse, "reverse"}, {s.underline, "underline"}} {
		if a.on {
			parts = append(parts, a.name)
		}
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, ", ")
}

// isColourParam reports whether an SGR parameter sets or resets a colour.
func isColourParam(p int) bool {
	return (p >= 30 && p <= 39) || (p >= 40 && p <= 49) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107) ||
		p == 58 || p == 59
}

// apply updates the state with one SGR sequence's parameters.
func (s *sgr) apply(params ansi.Params) {
	if len(params) == 0 {
		*s = sgr{}
		return
	}
	for i := 0; i < len(params); i++ {
		p := params[i].Param(0)
		switch {
		case p == 0:
			*s = sgr{}
		case p == 1:
			s.bold = true
		case p == 2:
			s.faint = true
		case p == 22:
			s.bold, s.faint = false, false
		case p == 3:
			s.italic = true
		case p == 23:
			s.italic = false
		case p == 4:
			s.underline = true
		case p == 24:
			s.underline = false
		case p == 7:
			s.reverse = true
		case p == 27:
			s.reverse = false
		case p >= 30 && p <= 37:
			s.fg = ansi.BasicColor(p - 30)
		case p >= 90 && p <= 97:
			s.fg = ansi.BasicColor(p - 90 + 8)
		case p >= 40 && p <= 47:
			s.bg = ansi.BasicColor(p - 40)
		case p >= 100 && p <= 107:
			s.bg = ansi.BasicColor(p - 100 + 8)
		case p == 39:
			s.fg = nil
		case p == 49:
			s.bg = nil
		case p == 38 || p == 48 || p == 58:
			var c color.Color
			n := ansi.ReadStyleColor(params[i:], &c)
			if n > 0 {
				i += n - 1
			}
			switch p {
			case 38:
				s.fg = c
			case 48:
				s.bg = c
			}
		}
	}
}

// glyph is one printed, non-blank grapheme of a frame and how it is drawn.
type glyph struct {
	line, col int
	text      string
	st        sgr
}

// walkFrame decodes a frame as a terminal would: every glyph with the
// graphic state in force, and every SGR sequence's parameters.
func walkFrame(frame string) (glyphs []glyph, sgrs [][]int) {
	p := ansi.NewParser()
	var state byte
	var st sgr
	line, col := 1, 0
	for len(frame) > 0 {
		seq, width, n, next := ansi.DecodeSequence(frame, state, p)
		switch {
		case ansi.HasCsiPrefix(seq) && p.Command() == 'm':
			var ps []int
			for _, x := range p.Params() {
				ps = append(ps, x.Param(0))
			}
			sgrs = append(sgrs, ps)
			st.apply(p.Params())
		case seq == "\n":
			line, col = line+1, 0
		case width > 0:
			if strings.TrimSpace(seq) != "" {
				glyphs = append(glyphs, glyph{line: line, col: col, text: seq, st: st})
			}
			col += width
		}
		frame, state = frame[n:], next
	}
	return glyphs, sgrs
}

// downsample renders a frame for a colour profile, as the program does for
// the terminal it runs in (colorprofile, which lipgloss and the renderer use).
func downsample(t testing.TB, frame string, p colorprofile.Profile) string {
	t.Helper()
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: p}
	if _, err := w.WriteString(frame); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// colourScreen is a console state worth checking for colour: every style
// shows on one of them.
type colourScreen struct {
	name string
	make func(t testing.TB) *Model
}

func colourScreens() []colourScreen {
	table := func(keys ...string) func(t testing.TB) *Model {
		return func(t testing.TB) *Model {
			be := &fakeBackend{stored: fixtureData(t, 40), failIDs: map[string]bool{}, history: []HistoryEntry{
				{RunID: 3, At: fixtureNow.Add(-26 * time.Hour), Kind: "extend", Email: "ana.1@example.si", Target: "entrance",
					Status: "failed", Error: "deviceBusy", Before: "2025-10-01", After: "2025-11-04"},
			}}
			for _, it := range be.stored.Plan.Items[:12] {
				be.failIDs[it.ID] = true // the applied screen shows failures
			}
			m := newTestModel(t, be, 120, 40)
			press(t, m, keys...)
			return m
		}
	}
	return []colourScreen{
		{"table", table("space", "down", "space", "down")},
		{"all kinds", table("0", "A", "down", "down", "space")},
		{"nothing selected", table("a")},
		{"search placeholder", table("0", "/")},
		{"search", func(t testing.TB) *Model {
			m := table("0", "/")(t)
			typeText(t, m, "ana")
			return m
		}},
		{"approve", table("A", "a")},
		{"applied with failures", table("A", "a", "y")},
		{"detail", table("enter")},
		{"help", table("?")},
		{"refreshing", func(t testing.TB) *Model {
			m := table()(t)
			refreshing(m)
			return m
		}},
		{"target error", func(t testing.TB) *Model {
			d := fixtureData(t, 40)
			d.Plan.Targets[1].Error = "terminal gym: authentication failed twice; stopped for this run"
			return newTestModel(t, &fakeBackend{stored: d}, 120, 40)
		}},
		{"links", func(t testing.TB) *Model {
			m := newTestModel(t, newLinksBackend(t), 120, 40)
			press(t, m, "L", "down")
			return m
		}},
		{"links import", func(t testing.TB) *Model {
			be := newLinksBackend(t)
			be.importSum = goldenImport()
			m := newTestModel(t, be, 120, 40)
			press(t, m, "L", "i")
			typeText(t, m, "/srv/exports/persons.csv")
			press(t, m, "enter")
			return m
		}},
	}
}

// Every glyph of every screen reads on common terminal themes, dark and
// light, with 16 and with 256 colours: the console learns the background
// from the terminal (tea.BackgroundColorMsg) and picks its styles for it.
func TestColoursReadOnCommonThemes(t *testing.T) {
	screens := colourScreens()
	models := make([]*Model, len(screens))
	for i, sc := range screens {
		models[i] = sc.make(t)
	}
	for _, th := range themes() {
		for _, prof := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.ANSI256} {
			t.Run(fmt.Sprintf("%s/%s", th.name, prof), func(t *testing.T) {
				for i, m := range models {
					m.Update(tea.BackgroundColorMsg{Color: th.bg})
					frame := downsample(t, m.Render(), prof)
					glyphs, _ := walkFrame(frame)
					if len(glyphs) == 0 {
						t.Fatalf("%s: nothing drawn", screens[i].name)
					}
					// One report per style and screen, with the first text drawn in it.
					bad := map[string]bool{}
					for _, g := range glyphs {
						ink, paper := g.st.colours(th)
						r := contrast(ink, paper)
						if r >= minContrast || bad[g.st.String()] {
							continue
						}
						bad[g.st.String()] = true
						lines := strings.Split(ansi.Strip(frame), "\n")
						t.Errorf("%s: line %d %q: %s reads at %.2f:1 on %s (%s on %s)", screens[i].name, g.line,
							strings.TrimSpace(lines[g.line-1]), g.st, r, th.name, hexOf(ink), hexOf(paper))
					}
				}
			})
		}
	}
}

func hexOf(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// The background decides the styles: a light terminal gets the light
// ones, whatever the console started with.
func TestBackgroundPicksStyles(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	press(t, m, "A") // an OK notice, whose looks differ the most
	frames := map[string]string{}
	for name, bg := range map[string]color.Color{"dark": color.RGBA{A: 255}, "light": color.RGBA{R: 255, G: 255, B: 255, A: 255}} {
		m.Update(tea.BackgroundColorMsg{Color: bg})
		frames[name] = downsample(t, m.Render(), colorprofile.ANSI)
	}
	if frames["dark"] == frames["light"] {
		t.Fatal("the same frame on a dark and a light background")
	}
	if ansi.Strip(frames["dark"]) != ansi.Strip(frames["light"]) {
		t.Fatal("the background changed the text, not only its colours")
	}
}

// TestGoldenANSI16 pins the table in colour, 16 colours, on a dark and on a
// light background: the escape sequences are in the golden files (the
// diff shows them quoted). Update with `make golden`.
func TestGoldenANSI16(t *testing.T) {
	for _, bg := range []struct {
		name string
		c    color.Color
	}{{"dark", color.RGBA{A: 255}}, {"light", color.RGBA{R: 255, G: 255, B: 255, A: 255}}} {
		for _, sc := range []struct {
			name string
			keys []string
		}{
			{"table", []string{"space", "down", "space", "down"}},
			{"all", []string{"0", "A", "down", "down", "space"}},
		} {
			t.Run(sc.name+"_ansi16_"+bg.name, func(t *testing.T) {
				m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
				press(t, m, sc.keys...)
				m.Update(tea.BackgroundColorMsg{Color: bg.c})
				out := downsample(t, m.Render(), colorprofile.ANSI)
				checkFrame(t, ansi.Strip(out), 80, 24)
				_, sgrs := walkFrame(out)
				for _, ps := range sgrs {
					for _, p := range ps {
						if p == 38 || p == 48 {
							t.Fatalf("a colour beyond the 16 in a 16-colour frame: SGR %v", ps)
						}
					}
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}

// noColourProfile is what the program picks with NO_COLOR set in a
// terminal that has colours.
func noColourProfile(t testing.TB) colorprofile.Profile {
	t.Helper()
	p := colorprofile.Env([]string{"TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=1"})
	if p != colorprofile.ASCII {
		t.Fatalf("NO_COLOR gives profile %v, want Ascii", p)
	}
	return p
}

// colourParams lists the colour parameters among SGR sequences.
func colourParams(sgrs [][]int) []int {
	var out []int
	for _, ps := range sgrs {
		for _, p := range ps {
			if isColourParam(p) || p == 38 || p == 48 {
				out = append(out, p)
			}
		}
	}
	return out
}

// With NO_COLOR nothing is coloured, and what colour said is still there:
// the cursor row in reverse video with its "›", selected rows marked "●",
// partly selected "◐", every kind by its letter, notices in words.
func TestNoColourKeepsMeaning(t *testing.T) {
	prof := noColourProfile(t)
	for _, bg := range []color.Color{color.RGBA{A: 255}, color.RGBA{R: 255, G: 255, B: 255, A: 255}} {
		for _, sc := range colourScreens() {
			m := sc.make(t)
			m.Update(tea.BackgroundColorMsg{Color: bg})
			plain := m.Render()
			out := downsample(t, plain, prof)
			glyphs, sgrs := walkFrame(out)
			if ps := colourParams(sgrs); len(ps) > 0 {
				t.Errorf("%s (background %v): colour with NO_COLOR: SGR parameters %v", sc.name, bg, ps)
			}
			if ansi.Strip(out) != ansi.Strip(plain) {
				t.Errorf("%s: NO_COLOR changed the text", sc.name)
			}
			if sc.name == "all kinds" {
				checkTableMeaning(t, out, glyphs)
			}
		}
	}
}

// checkTableMeaning asserts the "all kinds" table (every row selected, then
// the third row cleared, the cursor on the fourth) says so without colour.
func checkTableMeaning(t *testing.T, frame string, glyphs []glyph) {
	t.Helper()
	const firstRow = 5 // title, status, tabs, header
	lines := strings.Split(ansi.Strip(frame), "\n")
	cur := -1
	for _, g := range glyphs {
		if g.line >= firstRow && g.st.reverse {
			cur = g.line
			break
		}
	}
	if cur != firstRow+3 || !strings.HasPrefix(lines[cur-1], "›") {
		t.Fatalf("the cursor row (line %d) is not in reverse video with its mark:\n%s", cur, strings.Join(lines, "\n"))
	}
	var marks, letters []string
	for _, l := range lines[firstRow-1 : len(lines)-2] {
		if r := []rune(l); len(r) > 4 {
			marks, letters = append(marks, string(r[1])), append(letters, string(r[3]))
		}
	}
	// Rows 1 and 2 have nothing to apply (U, M), row 3 was cleared, row 4
	// is still selected.
	if want := []string{" ", " ", " ", "●"}; !slices.Equal(marks[:4], want) {
		t.Errorf("selection marks of the first rows %q, want %q", marks[:4], want)
	}
	for _, k := range []string{"E", "R", "S", "X", "M", "U", "A", "="} {
		if !slices.Contains(letters, k) {
			t.Errorf("kind %s has no letter on the table: %q", k, letters)
		}
	}
}

// The real program honours NO_COLOR: run on a (forced) terminal with and
// without it, the first frames carry colour only without it.
func TestProgramHonoursNoColour(t *testing.T) {
	for _, c := range []struct {
		env    []string
		colour bool
	}{
		{[]string{"TERM=xterm-256color", "TTY_FORCE=1", "NO_COLOR=1"}, false},
		{[]string{"TERM=xterm-256color", "TTY_FORCE=1"}, true},
		{[]string{"TERM=xterm", "TTY_FORCE=1"}, true},
	} {
		t.Run(strings.Join(c.env, " "), func(t *testing.T) {
			m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
			press(t, m, "0", "A") // badges, a selection and an OK notice: colour if allowed
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
				teatest.WithProgramOptions(tea.WithEnvironment(c.env)))
			var seen []byte
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				seen = slices.Clone(b)
				return bytes.Contains(b, []byte("items selected"))
			}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
			tm.Send(keyMsg("q"))
			tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
			_, sgrs := walkFrame(string(seen))
			ps := colourParams(sgrs)
			if c.colour && len(ps) == 0 {
				t.Fatalf("no colour on a colour terminal: %d SGR sequences", len(sgrs))
			}
			if !c.colour && len(ps) > 0 {
				t.Fatalf("colour with NO_COLOR: SGR parameters %v", ps)
			}
			if !c.colour && !slices.ContainsFunc(sgrs, func(p []int) bool { return slices.Contains(p, 7) }) {
				t.Fatal("with NO_COLOR the cursor lost its reverse video")
			}
		})
	}
}

// The contrast check sees what an operator would not: yellow text on
// xterm's white, bright black on GNOME's dark Tango, and reverse video of
// the default colours reads as well as the default.
func TestContrastCheckSeesUnreadableText(t *testing.T) {
	byName := map[string]theme{}
	for _, th := range themes() {
		byName[th.name] = th
	}
	for _, c := range []struct {
		theme    string
		frame    string
		readable bool
	}{
		{"xterm", "\x1b[33mguard tripped\x1b[m", false},
		{"GNOME Tango dark", "\x1b[90m = \x1b[m", false},
		{"Solarized dark", "\x1b[38;5;8min sync\x1b[m", false},
		{"xterm", "\x1b[30;43m S \x1b[m", true},
		{"GNOME Tango dark", "\x1b[7mana@example.si\x1b[m", true},
		{"Linux console", "\x1b[38;5;245msearch: ana\x1b[m", true},
	} {
		glyphs, _ := walkFrame(c.frame)
		if len(glyphs) == 0 {
			t.Fatalf("%q: no glyphs", c.frame)
		}
		ink, paper := glyphs[0].st.colours(byName[c.theme])
		if r := contrast(ink, paper); (r >= minContrast) != c.readable {
			t.Errorf("%q on %s: contrast %.2f, readable %v", c.frame, c.theme, r, c.readable)
		}
	}
}
