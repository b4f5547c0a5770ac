package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// Styles are the console's looks, built for the terminal's background.
//
// The program downsamples colours to what the terminal can show (colour
// profile: 16 colours, 256, true colour, or none with NO_COLOR), and the 16
// ANSI colours are whatever the operator's theme makes them. So:
//
//   - nothing depends on colour alone: kinds carry a letter, the cursor a
//     "›" and reverse video, selection a "●";
//   - text on the terminal's own background uses only colours that read on
//     that background in common themes (colour_test.go checks xterm, the
//     Linux console, Windows Terminal, GNOME, macOS Terminal and Solarized):
//     bright colours on dark, dark colours on light; green and yellow text
//     on white is unreadable in most themes, so on light those notices are
//     black on a coloured field instead;
//   - badges are a coloured field with a fixed letter colour chosen for the
//     field (black on green, cyan and yellow, bright white on red, magenta
//     and blue), so they read on any background;
//   - "dim" is a grey of the 256-colour ramp, which themes leave alone; a
//     16-colour terminal gets it as white (7) on dark and bright black (8)
//     on light, never bright black on dark: several themes (Tango,
//     Solarized) make that the background's own colour.
type Styles struct {
	Title, Dim, Bold, Err, OK, Warn lipgloss.Style
	Header, Cursor, Selected        lipgloss.Style
	TabActive, Tab                  lipgloss.Style
	Dialog                          lipgloss.Style
	// Help styles the key lists (footer and help screen): bubbles' own
	// greys vanish on light backgrounds with 16 colours.
	Help  help.Styles
	badge map[plan.Kind]lipgloss.Style
}

// Colours of the 256-colour grey ramp for secondary text: fixed by the
// xterm 256-colour definition (themes recolour only the first 16).
const (
	dimOnDark  = "245" // #8a8a8a; white (7) with 16 colours
	dimOnLight = "240" // #585858; bright black (8) with 16 colours
)

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	fg := func(light, darkc color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(ld(light, darkc)) }
	field := func(bg, fg color.Color) lipgloss.Style { return lipgloss.NewStyle().Background(bg).Foreground(fg) }
	dim := fg(lipgloss.Color(dimOnLight), lipgloss.Color(dimOnDark))
	s := Styles{
		Title:     lipgloss.NewStyle().Bold(true),
		Dim:       dim,
		Bold:      lipgloss.NewStyle().Bold(true),
		Err:       fg(lipgloss.Red, lipgloss.BrightRed),
		OK:        fg(lipgloss.Green, lipgloss.Green),
		Warn:      fg(lipgloss.Yellow, lipgloss.BrightYellow),
		Header:    lipgloss.NewStyle().Bold(true),
		Cursor:    lipgloss.NewStyle().Reverse(true),
		Selected:  fg(lipgloss.Blue, lipgloss.BrightCyan),
		TabActive: lipgloss.NewStyle().Reverse(true).Bold(true),
		Tab:       lipgloss.NewStyle(),
		Dialog:    lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
		badge:     map[plan.Kind]lipgloss.Style{},
	}
	if !dark {
		s.OK = field(lipgloss.Green, lipgloss.Black)
		s.Warn = field(lipgloss.Yellow, lipgloss.Black)
	}
	key := lipgloss.NewStyle().Bold(true)
	s.Help = help.Styles{ShortKey: key, ShortDesc: lipgloss.NewStyle(), ShortSeparator: dim, Ellipsis: dim,
		FullKey: key, FullDesc: lipgloss.NewStyle(), FullSeparator: dim}

	onLight, onDark := lipgloss.Black, lipgloss.BrightWhite // letter colours for light and dark fields
	s.badge[plan.Extend] = field(lipgloss.Green, onLight)
	s.badge[plan.Reactivate] = field(lipgloss.Cyan, onLight)
	s.badge[plan.Shorten] = field(lipgloss.Yellow, onLight)
	s.badge[plan.Revoke] = field(lipgloss.Red, onDark)
	s.badge[plan.Ambiguous] = field(lipgloss.Magenta, onDark)
	s.badge[plan.Invalid] = field(lipgloss.Red, onDark)
	s.badge[plan.Missing] = field(lipgloss.Blue, onDark)
	s.badge[plan.Unlinked] = dim
	s.badge[plan.NoEmail] = dim
	s.badge[plan.InSync] = dim
	return s
}

// inputStyles are the text inputs' looks on any background: bubbles'
// defaults draw the prompt and the cursor in white (7), invisible on a
// light background. The cursor is plain reverse video, the placeholder
// italic (dimming it would need the background, which may not be known
// yet when an input is made).
func inputStyles() textinput.Styles {
	st := textinput.DefaultStyles(true)
	for _, ss := range []*textinput.StyleState{&st.Focused, &st.Blurred} {
		ss.Prompt = lipgloss.NewStyle().Bold(true)
		ss.Text = lipgloss.NewStyle()
		ss.Placeholder = lipgloss.NewStyle().Italic(true)
		ss.Suggestion = lipgloss.NewStyle().Italic(true)
	}
	st.Cursor.Color = nil
	st.Cursor.Blink = false
	return st
}

// Badge renders a kind as its letter in the kind's colour: readable with no
// colour at all.
func (s Styles) Badge(k plan.Kind) string {
	return s.badge[k].Render(" " + kindLetter(k) + " ")
}

func kindLetter(k plan.Kind) string {
	switch k {
	case plan.InSync:
		return "="
	case plan.Extend:
		return "E"
	case plan.Reactivate:
		return "R"
	case plan.Shorten:
		return "S"
	case plan.Revoke:
		return "X"
	case plan.Missing:
		return "M"
	case plan.Unlinked:
		return "U"
	case plan.Ambiguous:
		return "A"
	case plan.NoEmail:
		return "N"
	case plan.Invalid:
		return "!"
	}
	return "?"
}

func kindLabel(k plan.Kind) string {
	switch k {
	case plan.InSync:
		return "in sync"
	case plan.NoEmail:
		return "no e-mail"
	}
	return string(k)
}
