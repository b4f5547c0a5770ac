package neyross

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/member"
)

func TestGenerate(t *testing.T) {
	now := time.Date(2025, 11, 1, 10, 0, 0, 0, time.UTC)
	var emails []string
	for i := range 100 {
		emails = append(emails, fmt.Sprintf("clan%d@example.si", i))
	}
	o := GenOptions{Persons: 200, Seed: 42, Emails: emails, Now: now}
	ps, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Generate(o)
	if !reflect.DeepEqual(ps, again) {
		t.Error("same options, different persons")
	}
	if other, _ := Generate(GenOptions{Persons: 200, Seed: 43, Emails: emails, Now: now}); reflect.DeepEqual(ps, other) {
		t.Error("another seed, same persons")
	}
	member := map[string]bool{}
	for _, e := range emails {
		member[e] = true
	}
	eis := map[string]bool{}
	for _, l := range DefaultLevels() {
		if l.EIS() {
			eis[l.UUID] = true
		}
	}
	seen := map[string]bool{}
	perEmail := map[string]int{}
	var invisible, noEmail, broken, matched, permanent int
	for _, p := range ps {
		if !IsUUID(p.UUID) || seen[p.UUID] {
			t.Fatalf("uuid %q invalid or repeated", p.UUID)
		}
		seen[p.UUID] = true
		if r := []rune(p.Surname)[0]; !unicode.Is(unicode.Cyrillic, r) || !unicode.Is(unicode.Cyrillic, []rune(p.Name)[0]) {
			t.Errorf("name %q %q is not Cyrillic", p.Surname, p.Name)
		}
		if !holdsEIS(&p, eis) {
			invisible++
		}
		if p.Expiration == nil {
			permanent++
		} else if *p.Expiration < *p.Activation {
			t.Errorf("%s ends before it starts", p.UUID)
		}
		e, err := normalize(p.Email)
		switch {
		case p.Email == "":
			noEmail++
		case err != nil:
			broken++
		case member[e]:
			matched++
			perEmail[e]++
		}
	}
	shared := 0
	for _, n := range perEmail {
		if n > 1 {
			shared++
		}
	}
	if invisible != 10 || noEmail < 5 || broken < 2 || matched < 60 || shared != 1 || permanent == 0 {
		t.Errorf("invisible %d, no e-mail %d, broken %d, matched %d, shared %d, permanent %d", invisible, noEmail, broken, matched, shared, permanent)
	}
	s := New(Config{Token: "t", Clock: clocktest.Start(t)})
	t.Cleanup(s.Close)
	s.SetPersons(ps)
	if s.Visible() != 200-invisible {
		t.Errorf("visible %d", s.Visible())
	}
}

func normalize(s string) (string, error) {
	e, err := member.NormalizeEmail(s)
	return string(e), err
}

func TestGenerateRefuses(t *testing.T) {
	if _, err := Generate(GenOptions{}); err == nil || !strings.Contains(err.Error(), "Now") {
		t.Errorf("no Now: %v", err)
	}
	_, err := Generate(GenOptions{Now: clocktest.Instant(t), Levels: []AccessLevel{{UUID: "a", Name: "Серверная"}}})
	if err == nil || !strings.Contains(err.Error(), "no EIS level") {
		t.Errorf("no EIS level: %v", err)
	}
}
