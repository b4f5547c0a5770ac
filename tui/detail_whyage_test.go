package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// The detail's why says how old the members it rests on are, as the CLI
// does (review of issue 13).
func TestDetailWhySaysHowOldTheMembersAre(t *testing.T) {
	be := noFaceBackend(t)
	email := member.Email("dmitrij.18@example.si")
	rep := be.why[email]
	rep.MembersAt = fixtureNow.Add(-2 * time.Hour)
	be.why[email] = rep
	m := newTestModel(t, be, 160, 48)
	openNoFace(t, m)
	press(t, m, "enter")
	plan := m.State().Plan
	if s := strings.Join(strings.Fields(screenText(m)), " "); !strings.Contains(s, "; members as read "+timeText(rep.MembersAt, plan.Zone())+", 2 h ago") {
		t.Errorf("the Cardskipper line does not say how old the members are:\n%s", screenText(m))
	}
}
