package tui

import (
	"strings"
	"testing"
)

// G pressed before the why answer arrives keeps the detail at its end as
// the answer comes in (the last review found it stopping short: "lines
// 12–31 of 66").
func TestDetailEndStaysAsTheAnswerArrives(t *testing.T) {
	be := noFaceBackend(t)
	be.whyGate = make(chan struct{})
	m := newTestModel(t, be, 80, 24)
	openNoFace(t, m)
	_, cmd := m.Update(keyMsg("enter"))
	m.Update(keyMsg("G"))
	close(be.whyGate)
	run(t, m, cmd)
	if s := screenText(m); !strings.Contains(s, "the end") {
		t.Errorf("after the answer arrived the detail is not at its end:\n%s", s)
	}
}
