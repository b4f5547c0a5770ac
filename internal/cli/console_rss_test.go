package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/tui"
)

// rssConfigEnv names the configuration the resident-memory child opens;
// without it TestConsoleResidentChild is not a child and does nothing.
const rssConfigEnv = "DOORSYNC_RSS_CONFIG"

// BenchmarkConsoleResident50k measures the resident memory of a console
// process holding 50,000 members and two terminals of 25,000 accounts: a
// fresh process (this test binary run as a child, so the data-set
// generation is not counted) opens the stored snapshots, draws the first
// frame, moves through the table, filters and selects, and reports its
// peak (VmHWM) and final (VmRSS) resident set from /proc. The target is
// under 200 MB.
func BenchmarkConsoleResident50k(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("resident memory is read from /proc/self/status (Linux)")
	}
	cfgPath, clk := benchSite(b)
	var peak, final, frames []float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConsoleResidentChild$", "-test.count=1")
		// The child's clock goes on from the one the snapshots were saved by.
		cmd.Env = append(os.Environ(), rssConfigEnv+"="+cfgPath, clocktest.Environ(clk))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("console child: %v\n%s", err, out)
		}
		hwm, rss, frame, err := parseRSSReport(out)
		if err != nil {
			b.Fatalf("console child: %v\n%s", err, out)
		}
		peak, final, frames = append(peak, hwm), append(final, rss), append(frames, frame)
	}
	b.ReportMetric(median(peak), "peak-RSS-MB")
	b.ReportMetric(median(final), "RSS-MB")
	b.ReportMetric(median(frames), "first-frame-ms")
}

// TestConsoleResidentChild is the console process of
// BenchmarkConsoleResident50k.
func TestConsoleResidentChild(t *testing.T) {
	cfgPath := os.Getenv(rssConfigEnv)
	if cfgPath == "" {
		t.Skip("run by BenchmarkConsoleResident50k only")
	}
	ctx := context.Background()
	start := time.Now() // wall clock: measuring the time to the first frame
	app, _, _ := newTestApp(clocktest.Start(t), nil)
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	var took time.Duration
	m := firstFrame(t, ctx, app, ses, func(m *tui.Model) {
		_ = m.Render()
		took = time.Since(start) // wall clock: measuring
	})
	if st := m.State(); st.Partial || !st.Stored {
		t.Fatalf("the stored data did not replace the preview: %+v", st)
	}
	keys := []tea.KeyPressMsg{{Code: tea.KeyEnd}, {Code: tea.KeyHome}}
	for range 200 {
		keys = append(keys, tea.KeyPressMsg{Code: tea.KeyDown})
	}
	keys = append(keys, tea.KeyPressMsg{Code: '/', Text: "/"})
	for _, r := range "novak" {
		keys = append(keys, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	keys = append(keys, tea.KeyPressMsg{Code: tea.KeyEnter}, tea.KeyPressMsg{Code: 'a', Text: "a"}, tea.KeyPressMsg{Code: tea.KeyEscape})
	for _, k := range keys {
		m.Update(k)
		_ = m.Render()
	}
	if m.State().Rows == 0 {
		t.Fatal("no rows after the keys")
	}
	hwm, rss, err := procStatusMB()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("rss-report hwm=%.1f rss=%.1f first-frame-ms=%.1f\n", hwm, rss, float64(took)/float64(time.Millisecond))
}

// procStatusMB reads the peak and current resident set in MB.
func procStatusMB() (hwm, rss float64, err error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			hwm = kb / 1024
		case "VmRSS:":
			rss = kb / 1024
		}
	}
	if hwm == 0 || rss == 0 {
		return 0, 0, fmt.Errorf("no VmHWM/VmRSS in /proc/self/status")
	}
	return hwm, rss, nil
}

func parseRSSReport(out []byte) (hwm, rss, frame float64, err error) {
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, "rss-report ") {
			if _, err := fmt.Sscanf(strings.TrimSpace(line), "rss-report hwm=%f rss=%f first-frame-ms=%f", &hwm, &rss, &frame); err != nil {
				return 0, 0, 0, fmt.Errorf("report %q: %w", line, err)
			}
			return hwm, rss, frame, nil
		}
	}
	return 0, 0, 0, fmt.Errorf("no rss-report line")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	for i := range s { // insertion sort: a handful of runs
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}
