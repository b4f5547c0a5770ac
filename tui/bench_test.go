package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/clock"
)

const benchRows = 50_000

func benchModel(b *testing.B) *Model {
	b.Helper()
	be := &fakeBackend{stored: fixtureData(b, benchRows)}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(storedMsg{req: m.storedReq, data: be.stored})
	press(b, m, "0") // every row
	return m
}

// BenchmarkKeyMove: one cursor move, update and render, over 50,000 rows.
func BenchmarkKeyMove(b *testing.B) {
	m := benchModel(b)
	down, up := keyMsg("down"), keyMsg("up")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := down
		if i%200 >= 100 {
			k = up
		}
		m.Update(k)
		_ = m.Render()
	}
}

// BenchmarkKeyFilter: one keystroke of a search, re-filtering 50,000 rows.
func BenchmarkKeyFilter(b *testing.B) {
	m := benchModel(b)
	press(b, m, "/")
	add, del := tea.KeyPressMsg{Code: 'z', Text: "z"}, keyMsg("backspace")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := add
		if i%2 == 1 {
			k = del
		}
		m.Update(k)
		_ = m.Render()
	}
}

// BenchmarkKeySelect: space on a row, update and render.
func BenchmarkKeySelect(b *testing.B) {
	m := benchModel(b)
	space, up := keyMsg("space"), keyMsg("up")
	b.ResetTimer()
	for b.Loop() {
		m.Update(space)
		m.Update(up)
		_ = m.Render()
	}
}

// BenchmarkFirstFrame: from the stored snapshot's data to the first frame
// (rows built, sorted, counted, filtered, rendered) for 50,000 members.
func BenchmarkFirstFrame(b *testing.B) {
	d := fixtureData(b, benchRows)
	be := &fakeBackend{stored: d}
	for b.Loop() {
		m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		m.Update(storedMsg{req: m.loadStoredReq(), data: d})
		_ = m.Render()
	}
}
