package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// Styles are the console's looks, built for the terminal's background. The
// program downsamples colours to what the terminal can show (16 colours, or
// none with NO_COLOR); nothing depends on colour alone: kinds carry a
// letter, the cursor a "›", selection a "●".
type Styles struct {
	Title, Dim, Bold, Err, OK, Warn lipgloss.Style
	Header, Cursor, Selected        lipgloss.Style
	TabActive, Tab                  lipgloss.Style
	Dialog                          lipgloss.Style
	badge                           map[plan.Kind]lipgloss.Style
}

// NewStyles builds the styles for a dark or light background. Colours are
// ANSI 16 so they read the same on any palette.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	fg := func(light, darkc color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(ld(light, darkc)) }
	s := Styles{
		Title:     lipgloss.NewStyle().Bold(true),
		Dim:       fg(lipgloss.BrightBlack, lipgloss.BrightBlack),
		Bold:      lipgloss.NewStyle().Bold(true),
		Err:       fg(lipgloss.Red, lipgloss.BrightRed),
		OK:        fg(lipgloss.Green, lipgloss.BrightGreen),
		Warn:      fg(lipgloss.Yellow, lipgloss.BrightYellow),
		Header:    lipgloss.NewStyle().Bold(true),
		Cursor:    lipgloss.NewStyle().Reverse(true),
		Selected:  fg(lipgloss.Blue, lipgloss.BrightBlue),
		TabActive: lipgloss.NewStyle().Reverse(true).Bold(true),
		Tab:       lipgloss.NewStyle(),
		Dialog:    lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
		badge:     map[plan.Kind]lipgloss.Style{},
	}
	bg := func(c color.Color) lipgloss.Style {
		return lipgloss.NewStyle().Background(c).Foreground(ld(lipgloss.White, lipgloss.Black))
	}
	s.badge[plan.Extend] = bg(lipgloss.Green)
	s.badge[plan.Reactivate] = bg(lipgloss.Cyan)
	s.badge[plan.Shorten] = bg(lipgloss.Yellow)
	s.badge[plan.Revoke] = bg(lipgloss.Red)
	s.badge[plan.Ambiguous] = bg(lipgloss.Magenta)
	s.badge[plan.Invalid] = bg(lipgloss.Red)
	s.badge[plan.Missing] = fg(lipgloss.Blue, lipgloss.BrightBlue)
	s.badge[plan.Unlinked] = fg(lipgloss.BrightBlack, lipgloss.BrightBlack)
	s.badge[plan.NoEmail] = fg(lipgloss.BrightBlack, lipgloss.BrightBlack)
	s.badge[plan.InSync] = fg(lipgloss.BrightBlack, lipgloss.BrightBlack)
	return s
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
