package hikvision_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target/hikvision"
	"github.com/doorsync/doorsync/internal/target/targettest"
)

const (
	pathSearch = "/ISAPI/AccessControl/UserInfo/Search"
	pathModify = "/ISAPI/AccessControl/UserInfo/Modify"
	password   = "Entr4nce-pw"
)

// bench is one emulated terminal on loopback and a target pointed at it.
type bench struct {
	term   *emu.Terminal
	log    *emulator.RequestLog
	faults *emulator.Faults
	zone   *time.Location
	target *hikvision.Target

	mu        sync.Mutex
	authMark  int // log length when BreakAuth was called
	authBroke bool
}

func newBench(t testing.TB, cfg emu.Config, mod ...func(*hikvision.Config)) *bench {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{log: &emulator.RequestLog{}, faults: emulator.NewFaults(7), zone: zone}
	cfg.Username, cfg.Password, cfg.Zone, cfg.Log, cfg.Faults = "admin", password, zone, b.log, b.faults
	if cfg.Clock == nil {
		cfg.Clock = clocktest.Start(t)
	}
	b.term = emu.New(cfg)
	srv := httptest.NewServer(b.term)
	t.Cleanup(srv.Close)
	hc := hikvision.Config{Name: "entrance", BaseURL: srv.URL, Username: "admin", Password: password,
		EmailField: hikvision.EmailInExtension, Zone: zone, Clock: cfg.Clock, Timeout: 10 * time.Second}
	for _, m := range mod {
		m(&hc)
	}
	b.target, err = hikvision.NewTarget(hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.target.Close)
	return b
}

// seed puts n persons on the terminal as iVMS-4200 would: rights, a plan,
// an e-mail in the extension, ends spread over the year.
func (b *bench) seed(n int) []targettest.Seeded {
	ps := make([]emu.Person, 0, n)
	out := make([]targettest.Seeded, 0, n)
	first := member.NewDate(2025, 10, 1)
	for i := range n {
		no := fmt.Sprint(1000 + i)
		end := first.AddDays(i % 200).EndOfDay(b.zone)
		ps = append(ps, emu.Person{EmployeeNo: no, Name: "Clan " + no, UserType: "normal", Gender: "female",
			Valid:     emu.Valid{Enable: true, BeginTime: "2024-03-04T00:00:00", EndTime: end.Format("2006-01-02T15:04:05"), TimeType: "local"},
			DoorRight: "1", RightPlan: []emu.RightPlan{{DoorNo: 1, PlanTemplateNo: "1"}},
			Extends: []emu.Extend{{Value: "clan" + no + "@example.si"}}, NumOfCard: 1, NumOfFace: 1})
		out = append(out, targettest.Seeded{ID: no, End: end})
	}
	b.term.SetPersons(ps)
	return out
}

func (b *bench) endOf(t *testing.T, id string) (time.Time, bool) {
	p, ok := b.term.Person(id)
	if !ok {
		return time.Time{}, false
	}
	end, err := time.ParseInLocation("2006-01-02T15:04:05", p.Valid.EndTime, b.zone)
	if err != nil {
		t.Fatalf("emulator holds an unreadable end for %s: %q", id, p.Valid.EndTime)
	}
	return end, true
}

// searches counts Search requests the terminal answered (not challenges),
// with or without an EmployeeNoList.
func (b *bench) searches(withList bool) int {
	return b.log.Count(func(r emulator.Request) bool {
		return r.Path == pathSearch && r.Status != 401 && r.Status != 0 &&
			strings.Contains(string(r.Body), "EmployeeNoList") == withList
	})
}

func isWrite(r emulator.Request) bool {
	return r.Method != "GET" && r.Path != pathSearch && r.Path != "/ISAPI/AccessControl/AcsEvent"
}

func (b *bench) fixture(t *testing.T) targettest.Fixture {
	return targettest.Fixture{
		Target: b.target, Zone: b.zone, PageSize: 30, BatchSize: 30,
		Seed:              func(t *testing.T, n int) []targettest.Seeded { return b.seed(n) },
		EndOf:             b.endOf,
		InventoryRequests: func() int { return b.searches(false) },
		LookupRequests:    func() int { return b.searches(true) },
		Writes:            func() int { return b.log.Count(func(r emulator.Request) bool { return isWrite(r) && r.Status != 401 }) },
		Requests:          func() int { return b.log.Count(nil) },
		InjectBusy: func(n int) {
			for range n {
				b.faults.Next(emulator.FaultBusy)
			}
		},
		Malformations: []targettest.Malformation{targettest.Garbage, targettest.Truncated, targettest.EmptyMorePage},
		InjectMalformed: func(m targettest.Malformation) {
			switch m {
			case targettest.Garbage:
				b.faults.Next(emulator.FaultGarbage)
			case targettest.Truncated:
				b.term.ScriptReply(pathSearch, 200, `{"UserInfoSearch":{"searchID":"x","responseStatusStrg":"MORE","numOfMatches":30,"totalMatches":33,"UserInfo":[{"employeeNo":"1000","name":"Cl`)
			case targettest.EmptyMorePage:
				b.term.ScriptReply(pathSearch, 200, `{"UserInfoSearch":{"searchID":"x","responseStatusStrg":"MORE","numOfMatches":0,"totalMatches":33}}`)
			default:
				t.Fatalf("unknown malformation %q", m)
			}
		},
		BreakAuth: func() {
			b.mu.Lock()
			b.authMark, b.authBroke = len(b.log.Entries()), true
			b.mu.Unlock()
			b.term.SetPassword("rotated-by-someone")
		},
		AuthAttempts: func() int {
			b.mu.Lock()
			mark := b.authMark
			b.mu.Unlock()
			n := 0
			for _, r := range b.log.Entries()[mark:] {
				if r.AuthScheme == "Digest" {
					n++
				}
			}
			return n
		},
		CheckWrites: func(t *testing.T) { checkWrites(t, b.log) },
	}
}

// checkWrites: the sync only ever sends Modify with employeeNo, userType
// and a complete Valid (enable:true, local times) — never rights, arrays,
// enable:false, and never Record, SetUp or Delete.
func checkWrites(t *testing.T, log *emulator.RequestLog) {
	t.Helper()
	for _, r := range log.Entries() {
		if !isWrite(r) {
			continue
		}
		if r.Path != pathModify || r.Method != "PUT" || r.Query != "format=json" {
			t.Errorf("forbidden write %s %s?%s", r.Method, r.Path, r.Query)
			continue
		}
		var body map[string]map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &body); err != nil || len(body) != 1 || body["UserInfo"] == nil {
			t.Errorf("Modify body %s: %v", r.Body, err)
			continue
		}
		var keys []string
		for k := range body["UserInfo"] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"Valid", "employeeNo", "userType"}) {
			t.Errorf("Modify sent UserInfo fields %v, want exactly Valid, employeeNo, userType", keys)
		}
		var v map[string]any
		if err := json.Unmarshal(body["UserInfo"]["Valid"], &v); err != nil {
			t.Errorf("Modify Valid %s: %v", body["UserInfo"]["Valid"], err)
			continue
		}
		if len(v) != 4 || v["enable"] != true || v["timeType"] != "local" {
			t.Errorf("Modify Valid %v: want exactly enable:true, beginTime, endTime, timeType:local", v)
		}
		for _, k := range []string{"beginTime", "endTime"} {
			s, _ := v[k].(string)
			if _, err := time.Parse("2006-01-02T15:04:05", s); err != nil {
				t.Errorf("Modify %s %q is not a local time without offset", k, s)
			}
		}
	}
}

func TestConformance(t *testing.T) {
	targettest.Run(t, func(t *testing.T) targettest.Fixture {
		return newBench(t, emu.Config{}).fixture(t)
	})
}

// The same suite against a terminal with single-use nonces, string
// booleans and a SHA-256 challenge: nothing may change for the engine.
func TestConformanceAwkwardFirmware(t *testing.T) {
	targettest.Run(t, func(t *testing.T) targettest.Fixture {
		return newBench(t, emu.Config{SingleUseNonce: true, StringBooleans: true, OfferSHA256: true}).fixture(t)
	})
}

// The suite against terminals that take each nonce once or twice: the
// engine must not notice.
func TestConformanceNonceLimits(t *testing.T) {
	for _, uses := range []int{1, 2} {
		t.Run(fmt.Sprintf("NonceUses%d", uses), func(t *testing.T) {
			targettest.Run(t, func(t *testing.T) targettest.Fixture {
				return newBench(t, emu.Config{Clock: quirkClock(t), Quirks: emu.Quirks{NonceUses: uses}}).fixture(t)
			})
		})
	}
}

// The suite against every firmware profile, with all of its quirks: what a
// real device does must not change the contract. The terminal's clock
// stands still outside a profile's busy bursts: a direct call answered
// busy is an error by contract (the engine retries, and the engine's tests
// run whole syncs through the bursts).
func TestConformanceEveryProfile(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range emu.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			quiet := time.Date(2026, 2, 28, 10, 0, 0, 0, zone)
			if b := p.Quirks.BusyBurst; b.Every > 0 {
				quiet = quiet.Truncate(b.Every).Add(b.For + (b.Every-b.For)/2)
			}
			targettest.Run(t, func(t *testing.T) targettest.Fixture {
				f := newBench(t, p.Apply(emu.Config{Clock: clock.NewManual(quiet)})).fixture(t)
				if n := p.Quirks.TrimPage; n > 0 {
					// The client learns the trimmed size from the first
					// trimmed page and batches lookups to it.
					f.PageSize, f.BatchSize = n, n
				}
				return f
			})
		})
	}
}
