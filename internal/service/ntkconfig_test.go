package service

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// The [ntk] table becomes the client's Config, the password read from its
// secret (the client knows no configuration).
func TestNTKClientConfig(t *testing.T) {
	const pass = "Pa55-very-secret"
	n := config.NTK{Name: "library", URL: "https://ntk.example.cz/upload", Username: "knihovna",
		Password: config.NewSecret(pass, "${NTK_PASSWORD}"), Timeout: 5 * time.Second}
	c := NTKClientConfig(n)
	if c.Name != "library" || c.URL != n.URL || c.Username != "knihovna" || c.Password != pass || c.Timeout != 5*time.Second {
		t.Fatalf("NTKClientConfig = %s", c)
	}
}

// The [ntk] table becomes the access list's settings: role ids parsed,
// everything copied (the planner must not share the configuration's
// slices and maps).
func TestNTKListSettings(t *testing.T) {
	n := config.NTK{Name: "library", CardField: "extra2", Zones: map[string][]int{"3126": {55}, "3127": {55, 56}},
		StudentRoles: []int{20}, StudentTags: []string{"Student"}, MinInterval: 2 * time.Hour}
	got, err := NTKListSettings(n)
	if err != nil {
		t.Fatal(err)
	}
	want := accesslist.Settings{Name: "library", System: ntk.System, CardField: "extra2",
		Zones: map[int][]int{3126: {55}, 3127: {55, 56}}, StudentRoles: []int{20}, StudentTags: []string{"Student"}, MinInterval: 2 * time.Hour}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("settings = %+v\nwant %+v", got, want)
	}
	got.Zones[3126][0], got.StudentRoles[0], got.StudentTags[0] = 1, 1, "x"
	if n.Zones["3126"][0] != 55 || n.StudentRoles[0] != 20 || n.StudentTags[0] != "Student" {
		t.Fatal("the settings share the configuration's values")
	}
	n.Zones = map[string][]int{"x": {55}}
	if _, err := NTKListSettings(n); err == nil || !strings.Contains(err.Error(), `"x" is not a role id`) {
		t.Fatalf("a zone key that is no role id: %v", err)
	}
}

// The [neyross] table and the site's zone become the client's Config, the
// token read from its secret: the one translation runs, doctor and the
// overview use.
func TestNeyrossConfig(t *testing.T) {
	const token = "eis-token-very-secret"
	zone := time.FixedZone("CET", 3600)
	cfg := &config.Config{Zone: zone, Neyross: &config.Neyross{Name: "main", URL: "https://neyross.local",
		Token: config.NewSecret(token, "${NEYROSS_TOKEN}"), Timeout: 7 * time.Second, Batch: 50}}
	got := NeyrossConfig(cfg)
	want := neyross.Config{Name: "main", BaseURL: "https://neyross.local", Token: token, Zone: zone, Timeout: 7 * time.Second, Batch: 50}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("NeyrossConfig = %s (%v, %d), want %s", got, got.Timeout, got.Batch, want)
	}
}
