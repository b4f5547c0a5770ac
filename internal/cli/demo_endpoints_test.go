package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	neyemu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// bannerRow is one emulator as `doorsync demo --serve` prints it.
type bannerRow struct{ name, system, url, user, password string }

// parseBanner reads the endpoint table of the --serve banner: the rows
// between the header and the first blank line, by name.
func parseBanner(t *testing.T, banner string) map[string]bannerRow {
	t.Helper()
	rows := map[string]bannerRow{}
	in := false
	for _, l := range strings.Split(banner, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 5 && f[0] == "name" && f[4] == "password":
			in = true
		case in && len(f) == 0:
			return rows
		case in && len(f) == 5:
			rows[f[0]] = bannerRow{f[0], f[1], f[2], f[3], f[4]}
		case in:
			t.Fatalf("banner row %q has %d columns, want 5:\n%s", l, len(f), banner)
		}
	}
	if !in {
		t.Fatalf("banner has no endpoint table:\n%s", banner)
	}
	return rows
}

// serveDemo runs `doorsync demo --serve` with args until the test ends and
// returns the site and what it printed once it is serving.
func serveDemo(t *testing.T, args ...string) (*site.Site, string, func() int) {
	t.Helper()
	app, out, _ := newTestApp(clocktest.Start(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *site.Site, 1)
	app.Ready = func(v any) { ready <- v.(*site.Site) }
	done := make(chan int, 1)
	go func() { done <- app.Run(ctx, append([]string{"demo", "--serve"}, args...)) }()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("demo --serve did not stop on interrupt")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	select {
	case s := <-ready:
		return s, out.String(), stop
	case code := <-done:
		t.Fatalf("demo exited early with %d: %s", code, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not become ready")
	}
	return nil, "", nil
}

// checkBannerEndpoints proves the banner is enough to use every emulator:
// each printed URL answers a real request made with the printed credentials
// with the emulator's success answer, and refuses a wrong credential.
func checkBannerEndpoints(t *testing.T, s *site.Site, banner string) {
	t.Helper()
	rows := parseBanner(t, banner)
	want := []string{"cardskipper", "neyross", "ntk"}
	for _, term := range s.Terminals {
		want = append(want, term.Name)
	}
	if len(rows) != len(want) {
		t.Errorf("banner lists %d emulators, want %d (%v):\n%s", len(rows), len(want), want, banner)
	}
	for _, name := range want {
		if _, ok := rows[name]; !ok {
			t.Fatalf("banner lacks a row for %s:\n%s", name, banner)
		}
	}
	ctx := context.Background()
	zone := s.Zone

	cs := rows["cardskipper"]
	client, err := cardskipper.New(cardskipper.Config{BaseURL: cs.url, Username: cs.user, Password: cs.password, Zone: zone})
	if err != nil {
		t.Fatal(err)
	}
	if orgs, err := client.OrganisationInfo(ctx); err != nil || len(orgs) == 0 {
		t.Errorf("cardskipper at the printed URL with the printed login: %d organisations, %v", len(orgs), err)
	}
	for _, term := range s.Terminals {
		r := rows[term.Name]
		if r.system != "hikvision" {
			t.Errorf("terminal %s printed as system %q", term.Name, r.system)
		}
		c, err := hikvision.NewClient(hikvision.Config{Name: r.name, BaseURL: r.url, Username: r.user, Password: r.password, Zone: zone})
		if err != nil {
			t.Fatal(err)
		}
		if info, err := c.DeviceInfo(ctx); err != nil || info.SerialNumber == "" {
			t.Errorf("terminal %s at the printed URL with the printed login: %+v, %v", term.Name, info, err)
		}
	}

	// NEYROSS: the printed token is the bearer token of the EIS API under
	// the printed URL.
	ny := rows["neyross"]
	if ny.system != "neyross" || ny.user != "(token)" {
		t.Errorf("neyross row: %+v", ny)
	}
	if !strings.Contains(banner, ny.url+neyemu.Prefix) || !strings.Contains(banner, "Authorization: Bearer <token>") {
		t.Errorf("banner does not say how to use the NEYROSS token and where its API is:\n%s", banner)
	}
	count := func(token string) (int, int) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ny.url+neyemu.Prefix+"persons/count/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("neyross at the printed URL: %v", err)
		}
		defer resp.Body.Close()
		var v struct{ Count int }
		if resp.StatusCode == http.StatusOK {
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				t.Fatalf("neyross persons/count: %v", err)
			}
		}
		return resp.StatusCode, v.Count
	}
	if code, n := count(ny.password); code != http.StatusOK || n != s.NeyrossServer.Visible() || n == 0 {
		t.Errorf("neyross persons/count with the printed token: HTTP %d, count %d, want 200 and %d", code, n, s.NeyrossServer.Visible())
	}
	if code, _ := count(ny.password + "x"); code != http.StatusUnauthorized {
		t.Errorf("neyross with a wrong token: HTTP %d, want 401", code)
	}

	// NTK: the printed URL is the upload address; the printed login
	// uploads a list (202 "OK <name>"), a wrong password gets 401.
	nt := rows["ntk"]
	if nt.system != "ntk" {
		t.Errorf("ntk row: %+v", nt)
	}
	upload := func(user, pass string) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("file", "demo.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(fw, "44491AD2;55\n")
		_ = mw.Close()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, nt.url, &body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("ntk at the printed URL: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := upload(nt.user, nt.password+"x"); code != http.StatusUnauthorized {
		t.Errorf("ntk with a wrong password: HTTP %d, want 401", code)
	}
	code, reply := upload(nt.user, nt.password)
	if code != http.StatusAccepted || !strings.HasPrefix(reply, "OK ") {
		t.Errorf("ntk upload with the printed login: HTTP %d %q, want 202 OK <name>", code, reply)
	}
	if acc := s.NTKServer.Accepted(); len(acc) != 1 || string(acc[0].Body) != "44491AD2;55\n" {
		t.Errorf("the NTK emulator accepted %d list(s), want the one uploaded", len(acc))
	}
}

// Without --write-config the banner alone must let the admin try every
// emulator, NEYROSS and NTK included.
func TestDemoServeWithoutConfigPrintsEveryEndpoint(t *testing.T) {
	s, banner, stop := serveDemo(t, "--members", "20", "--seed", "4")
	if strings.Contains(banner, "configuration written") {
		t.Errorf("banner claims a configuration was written:\n%s", banner)
	}
	checkBannerEndpoints(t, s, banner)
	if code := stop(); code != ExitOK {
		t.Fatalf("demo --serve exited with %d after interrupt", code)
	}
}

// demoTwin starts a site with the demo's seed and size (the same data) and
// reads what the demo's overview must report by another path: the NEYROSS
// emulator's count of EIS persons, and the NTK items of `plan --json` (the
// engine's diff against no accepted list: every listed card is reactivate).
// clk is the demo's clock: the data set follows the day.
func demoTwin(t *testing.T, clk clock.Clock, members int, seed uint64) (neyrossVisible int, ntkKinds map[string]int) {
	t.Helper()
	s, cfg, _ := launchSite(t, site.Options{Members: members, Seed: seed, Clock: clk})
	r := runApp(t, clk, nil, "plan", "--json", "--config", cfg)
	var p struct {
		Items []struct{ Kind, System string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan --json (exit %d): %v\n%s", r.code, err, r.stderr)
	}
	ntkKinds = map[string]int{}
	for _, it := range p.Items {
		if it.System == "ntk" {
			ntkKinds[it.Kind]++
		}
	}
	return s.NeyrossServer.Visible(), ntkKinds
}
