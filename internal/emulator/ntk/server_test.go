package ntk

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
)

const (
	user = "knihovna"
	pass = "s3cret-pw"
)

var okName = regexp.MustCompile(`^OK (AL_\d{8}_\d{6}_\d{4}\.csv)\n$`)

func start(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	if cfg.Username == "" {
		cfg.Username, cfg.Password = user, pass
	}
	if cfg.Clock == nil {
		cfg.Clock = clocktest.Start(t)
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL + s.Path()
}

// form builds a multipart body with the given fields (name → content); the
// field "file" gets a file name.
func form(t *testing.T, fields ...[2]string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		var part io.Writer
		var err error
		if f[0] == "file" {
			part, err = w.CreateFormFile("file", "list.csv")
		} else {
			part, err = w.CreateFormField(f[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(part, f[1])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func send(t *testing.T, method, url, u, p, ctype string, body []byte) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if u != "" {
		req.SetBasicAuth(u, p)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func upload(t *testing.T, url, list string) (int, string) {
	t.Helper()
	body, ctype := form(t, [2]string{"file", list})
	status, reply, _ := send(t, http.MethodPost, url, user, pass, ctype, body)
	return status, reply
}

func TestAuthAndRouting(t *testing.T) {
	s, url := start(t, Config{})
	body, ctype := form(t, [2]string{"file", "44491AD2;55\n"})
	cases := []struct {
		name, method, url, user, pass string
		status                        int
		reply                         string
	}{
		{"no credentials", http.MethodPost, url, "", "", 401, "Unauthorized"},
		{"wrong password", http.MethodPost, url, user, "wrong", 401, "Unauthorized"},
		{"wrong user", http.MethodPost, url, "other", pass, 401, "Unauthorized"},
		{"other path", http.MethodPost, url + "x", user, pass, 404, "Not Found"},
		{"GET", http.MethodGet, url, user, pass, 405, "Method Not Allowed"},
		{"GET without credentials asks for them", http.MethodGet, url, "", "", 401, "Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, reply, h := send(t, c.method, c.url, c.user, c.pass, ctype, body)
			if status != c.status || !strings.Contains(reply, c.reply) {
				t.Fatalf("got %d %q, want %d %q", status, reply, c.status, c.reply)
			}
			if status == 401 && h.Get("WWW-Authenticate") != `Basic realm="NTK Access List"` {
				t.Errorf("WWW-Authenticate = %q", h.Get("WWW-Authenticate"))
			}
		})
	}
	if n := len(s.Accepted()); n != 0 {
		t.Fatalf("%d lists accepted from refused requests", n)
	}
}

func TestHeadCheck(t *testing.T) {
	good := "44491AD2;55;1\n"
	filler := strings.Repeat(good, HeadSize/len(good)) // just under 4 KB of good lines
	cases := []struct {
		name   string
		list   string
		status int
		reply  string
	}{
		{"two lines", "44491AD2;55;1\n04A1B2C3D4E5F6;0;2\n", 202, "OK AL_"},
		{"CRLF line ends", "44491AD2;55\r\n04A1B2C3D4E5F6;0\r\n", 202, "OK"},
		{"no final line end", "44491AD2;55", 202, "OK"},
		{"lower-case hex", "44491ad2;55\n", 202, "OK"},
		{"empty file", "", 400, "ERROR: invalid access list format: the file is empty"},
		{"one column", "44491AD2\n", 400, "ERROR: invalid access list format: line 1: fewer than two columns"},
		{"comma separated", "44491AD2,55\n", 400, "fewer than two columns"},
		{"7-digit card", "44491AD2;55\n44491AD;55\n", 400, `line 2: card number "44491AD" is not a hexadecimal number of 8 or 14 digits`},
		{"15-digit card", "04A1B2C3D4E5F60;55\n", 400, "8 or 14 digits"},
		{"non-hex card", "44491AG2;55\n", 400, `card number "44491AG2" is not a hexadecimal number`},
		{"zone of 6 digits", "44491AD2;100000\n", 400, `access zone "100000" is not a decimal number of at most 5 digits`},
		{"negative zone", "44491AD2;-1\n", 400, `access zone "-1" is not a decimal number`},
		{"non-ASCII", "44491AD2;55;Žiga\n", 400, "character 13 (0xC5) is not printable ASCII"},
		{"byte-order mark", "\ufeff44491AD2;55\n", 400, "line 1: character 1 (0xEF)"},
		{"blank line", "44491AD2;55\n\n44491AD3;55\n", 400, "line 2: empty line"},
		{"single line longer than 4 KB", "44491AD2;55;" + strings.Repeat("x", HeadSize) + "\n", 400, "longer than 4 KB"},
		{"bad line after 4 KB is accepted", filler + "12345;55\n", 202, "OK"},
		{"bad line across the 4 KB boundary is accepted", filler[:len(filler)-len(good)] + "44491AD2;55;" + strings.Repeat("y", 40) + "\n" + "bad\n", 202, "OK"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, url := start(t, Config{})
			status, reply := upload(t, url, c.list)
			if status != c.status || !strings.Contains(reply, c.reply) {
				t.Fatalf("got %d %q, want %d …%q…", status, reply, c.status, c.reply)
			}
			if status == 202 && !okName.MatchString(reply) {
				t.Errorf("202 body %q is not \"OK <name>\"", reply)
			}
		})
	}
}

func TestMultipartErrors(t *testing.T) {
	s, url := start(t, Config{MaxBody: 1 << 10})
	noFile, ctype := form(t, [2]string{"list", "44491AD2;55\n"})
	big, bigType := form(t, [2]string{"file", strings.Repeat("44491AD2;55\n", 200)})
	cut, cutType := form(t, [2]string{"file", strings.Repeat("44491AD2;55\n", 20)})
	cut = cut[:len(cut)/2]
	withOthers, othersType := form(t, [2]string{"comment", "hello"}, [2]string{"file", "44491AD2;55\n"})
	cases := []struct {
		name, ctype string
		body        []byte
		status      int
		reply       string
	}{
		{"not multipart", "text/csv", []byte("44491AD2;55\n"), 400, `ERROR: expected multipart/form-data with the list in the form field "file"`},
		{"no content type", "", []byte("44491AD2;55\n"), 400, "ERROR: expected multipart/form-data"},
		{"no boundary", "multipart/form-data", []byte("x"), 400, "ERROR: expected multipart/form-data"},
		{"no field file", ctype, noFile, 400, `ERROR: no form field "file"`},
		{"truncated multipart", cutType, cut, 400, `ERROR: reading the form field "file": unexpected EOF`},
		{"larger than the limit", bigType, big, 413, "ERROR: the upload is larger than 1024 bytes"},
		{"other fields are skipped", othersType, withOthers, 202, "OK"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, reply, _ := send(t, http.MethodPost, url, user, pass, c.ctype, c.body)
			if status != c.status || !strings.Contains(reply, c.reply) {
				t.Fatalf("got %d %q, want %d …%q…", status, reply, c.status, c.reply)
			}
		})
	}
	if n := len(s.Accepted()); n != 1 {
		t.Fatalf("%d lists accepted, want 1", n)
	}
}

func TestProcessingAfterAcceptance(t *testing.T) {
	at := time.Date(2025, 11, 1, 9, 30, 0, 0, time.UTC)
	clk := clock.NewManual(at)
	s, url := start(t, Config{Zones: []int{55, 56}, OtherCards: []string{"aabbccdd"}, Vetoed: []string{" 11223344 "}, Clock: clk})
	good := "44491AD2;55;1\n"
	filler := strings.Repeat(good, HeadSize/len(good)+1)
	list := filler +
		"44491ad3;0;2\n" + // student zone: always agreed
		"44491AD3;56;2\n" +
		"44491AD4;57;3\n" + // zone not agreed
		"12345;55\n" + // beyond 4 KB: ignored, not rejected
		"AABBCCDD;55;4\n" + // another access user's card
		"11223344;55;5\n" + // vetoed
		"44491AD5;55;6;Žiga\n" // non-ASCII beyond 4 KB
	status, reply := upload(t, url, list)
	if status != 202 {
		t.Fatalf("got %d %q", status, reply)
	}
	ups := s.Accepted()
	if len(ups) != 1 {
		t.Fatalf("%d uploads", len(ups))
	}
	u := ups[0]
	if "OK "+u.Name+"\n" != reply || u.Name != "AL_20251101_093000_0001.csv" || u.FileName != "list.csv" || string(u.Body) != list || !u.At.Equal(at) {
		t.Fatalf("upload = %q %q at %v, body %d bytes", u.Name, u.FileName, u.At, len(u.Body))
	}
	n := strings.Count(filler, "\n")
	wantIgnored := []Ignored{
		{n + 3, "44491AD4;57;3", "access zone 57 is not agreed for this access user"},
		{n + 4, "12345;55", `card number "12345" is not a hexadecimal number of 8 or 14 digits`},
		{n + 7, "44491AD5;55;6;Žiga", "character 15 (0xC5) is not printable ASCII"},
	}
	if fmt.Sprint(u.Result.Ignored) != fmt.Sprint(wantIgnored) {
		t.Errorf("ignored:\n%v\nwant\n%v", u.Result.Ignored, wantIgnored)
	}
	if u.Result.Lines != n+7 {
		t.Errorf("lines = %d, want %d", u.Result.Lines, n+7)
	}
	if fmt.Sprint(u.Result.Duplicates) != "[AABBCCDD]" || fmt.Sprint(u.Result.Vetoed) != "[11223344]" {
		t.Errorf("duplicates %v, vetoed %v", u.Result.Duplicates, u.Result.Vetoed)
	}
	if got := fmt.Sprint(s.Access()); got != "map[44491AD2:[55] 44491AD3:[0 56]]" {
		t.Errorf("access = %s", got)
	}
	// The next list replaces the access; names are numbered.
	clk.Advance(time.Hour)
	if status, reply := upload(t, url, "44491AD3;55\n"); status != 202 || !strings.Contains(reply, "AL_20251101_103000_0002.csv") {
		t.Fatalf("second upload: %d %q", status, reply)
	}
	if got := fmt.Sprint(s.Access()); got != "map[44491AD3:[55]]" {
		t.Errorf("access after the second list = %s", got)
	}
	// Accepted returns copies.
	ups = s.Accepted()
	ups[0].Body[0] = 'X'
	ups[0].Result.Access["X"] = nil
	if s.Accepted()[0].Body[0] != '4' || len(s.Accepted()[0].Result.Access) != 2 {
		t.Error("Accepted exposes the emulator's state")
	}
}

func TestScriptReplyAndFaults(t *testing.T) {
	faults := emulator.NewFaults(1)
	log := &emulator.RequestLog{}
	s, url := start(t, Config{Faults: faults, Log: log})
	s.ScriptReply(400, "ERROR: scripted")
	s.ScriptReply(202, "OK")
	faults.Next(emulator.Fault5xx)
	steps := []struct {
		status int
		reply  string
	}{
		{503, "Service Unavailable"},
		{400, "ERROR: scripted"},
		{202, "OK\n"},
		{202, "OK AL_"},
	}
	for i, st := range steps {
		status, reply := upload(t, url, "44491AD2;55\n")
		if status != st.status || !strings.Contains(reply, st.reply) {
			t.Fatalf("request %d: got %d %q, want %d %q", i+1, status, reply, st.status, st.reply)
		}
	}
	if n := len(s.Accepted()); n != 1 {
		t.Fatalf("%d accepted; scripted replies must not record", n)
	}
	// Unauthenticated requests do not use up a scripted reply.
	s.ScriptReply(500, "scripted")
	body, ctype := form(t, [2]string{"file", "44491AD2;55\n"})
	if status, _, _ := send(t, http.MethodPost, url, user, "bad", ctype, body); status != 401 {
		t.Fatalf("bad password: %d", status)
	}
	if status, reply := upload(t, url, "44491AD2;55\n"); status != 500 || !strings.Contains(reply, "scripted") {
		t.Fatalf("got %d %q", status, reply)
	}
	entries := log.Entries()
	if len(entries) != 6 || entries[0].Status != 503 || entries[0].Fault != "5xx" || entries[0].AuthScheme != "Basic" {
		t.Fatalf("log: %+v", entries)
	}
	for _, e := range entries {
		if bytes.Contains(e.Body, []byte(pass)) {
			t.Fatal("the request log holds the password")
		}
	}
}

func TestConcurrentUploadsAreNumberedInOrder(t *testing.T) {
	s, url := start(t, Config{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, ctype := form(t, [2]string{"file", fmt.Sprintf("4449%04X;55\n", i)})
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.SetBasicAuth(user, pass)
			req.Header.Set("Content-Type", ctype)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, u := range s.Accepted() {
		if !strings.HasSuffix(u.Name, fmt.Sprintf("_%04d.csv", i+1)) || seen[u.Name] {
			t.Errorf("upload %d named %q", i, u.Name)
		}
		seen[u.Name] = true
	}
	if len(seen) != 8 {
		t.Fatalf("%d uploads accepted, want 8", len(seen))
	}
}
