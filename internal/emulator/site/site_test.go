package site

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	neyemu "github.com/doorsync/doorsync/internal/emulator/neyross"
)

// The site seeds door events the console can show: on every terminal and on
// NEYROSS, within the last two weeks, granted while a person's validity
// holds and denied outside it, in time order — at the tests' instant and at
// each awkward one.
func TestSiteSeedsDoorEvents(t *testing.T) {
	cases := append([]clocktest.Case{{Name: "now", Instant: clocktest.Instant(t).Format(time.RFC3339Nano)}}, clocktest.Awkward()...)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { checkSeededEvents(t, clocktest.Parse(t, c.Instant)) })
	}
}

func checkSeededEvents(t *testing.T, now time.Time) {
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Start(ctx, Options{Members: 60, Seed: 5, Zone: zone, Clock: clock.NewManual(now)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"entrance", "gym"} {
		term := s.TerminalServers[name]
		evs := term.Events()
		persons := map[string]hikemu.Person{}
		for _, p := range term.Persons() {
			persons[p.EmployeeNo] = p
		}
		counts := map[int]int{}
		for i, e := range evs {
			counts[e.Minor]++
			if e.Time.After(now) || e.Time.Before(now.AddDate(0, 0, -eventDays-1)) {
				t.Errorf("%s: event at %v, outside the last %d days", name, e.Time, eventDays)
			}
			if i > 0 && (e.Time.Before(evs[i-1].Time) || e.SerialNo <= evs[i-1].SerialNo) {
				t.Errorf("%s: event %d out of order", name, e.SerialNo)
			}
			p, ok := persons[e.EmployeeNo]
			if !ok {
				t.Fatalf("%s: event of %q, who is not on the terminal", name, e.EmployeeNo)
			}
			end, _ := time.ParseInLocation("2006-01-02T15:04:05", p.Valid.EndTime, zone)
			begin, _ := time.ParseInLocation("2006-01-02T15:04:05", p.Valid.BeginTime, zone)
			valid := !e.Time.Before(begin) && !e.Time.After(end)
			switch e.Minor {
			case hikemu.MinorFaceVerified, hikemu.MinorFaceNotMatched, hikemu.MinorCardPass:
				if e.Minor == hikemu.MinorFaceVerified && p.NumOfFace == 0 {
					t.Errorf("%s: %s passed by face with no face enrolled", name, e.EmployeeNo)
				}
				if e.Minor == hikemu.MinorCardPass && (p.NumOfFace > 0 || p.NumOfCard == 0) {
					t.Errorf("%s: %s passed by card with a face (%d) or no card (%d)", name, e.EmployeeNo, p.NumOfFace, p.NumOfCard)
				}
				if !valid {
					t.Errorf("%s: %s let in at %v, outside %s … %s", name, e.EmployeeNo, e.Time, p.Valid.BeginTime, p.Valid.EndTime)
				}
			case hikemu.MinorInvalidPeriod:
				if valid {
					t.Errorf("%s: %s refused at %v, inside %s … %s", name, e.EmployeeNo, e.Time, p.Valid.BeginTime, p.Valid.EndTime)
				}
			default:
				t.Errorf("%s: unexpected minor %d", name, e.Minor)
			}
		}
		if counts[hikemu.MinorFaceVerified] < len(persons)/2 || counts[hikemu.MinorInvalidPeriod] == 0 {
			t.Errorf("%s: %d persons, events by minor %v: want plenty granted and some refused", name, len(persons), counts)
		}
	}

	evs := s.NeyrossServer.Events()
	persons := map[string]neyemu.Person{}
	for _, p := range s.NeyrossServer.Persons() {
		persons[p.UUID] = p
	}
	granted, denied := 0, 0
	for i, e := range evs {
		if i > 0 && e.Registered.Before(evs[i-1].Registered) {
			t.Errorf("neyross: event %d registered before event %d", e.ID, evs[i-1].ID)
		}
		p := persons[e.Person]
		expired := p.Expiration != nil && e.Sent.Unix() > *p.Expiration
		switch {
		case slices.Contains(e.Tags, neyemu.TagAccessGranted) && !expired:
			granted++
		case slices.Contains(e.Tags, neyemu.TagAccessDenied) && expired:
			denied++
		default:
			t.Errorf("neyross: event %d %v of a pass expiring %v at %v", e.ID, e.Tags, p.Expiration, e.Sent)
		}
	}
	if granted < 20 || denied == 0 {
		t.Errorf("neyross: %d granted, %d denied", granted, denied)
	}
}

// A site without a clock is refused: a default would be the wall clock.
func TestStartNeedsAClock(t *testing.T) {
	_, err := Start(context.Background(), Options{Members: 5, Zone: time.UTC})
	if err == nil || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("no clock: %v", err)
	}
}
