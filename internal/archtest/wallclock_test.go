package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// wallClockNote is how a line says why it may read the wall clock.
const wallClockNote = "wall clock:"

// TestNoTestReadsTheWallClock: no test may depend on the date or the time of
// day it runs at, so tests, test-only helper packages (…test) and the
// emulators take an injected clock (internal/clock/clocktest). A line that
// must read the wall clock (elapsed time in a benchmark, a polling deadline,
// a net.Conn deadline) says why in a `// wall clock: <why>` comment on it or
// on the line just above.
func TestNoTestReadsTheWallClock(t *testing.T) {
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		files := append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...)
		if strings.HasSuffix(path.Base(r), "test") || r == "internal/emulator" || strings.HasPrefix(r, "internal/emulator/") {
			files = append(files, p.GoFiles...)
		}
		for _, read := range wallClockReads(t, p, files) {
			if !read.noted {
				t.Errorf("%s:%d: %s reads the wall clock: use the test's clock (clocktest.Start, the site's Clock), "+
					"or say why on that line or the one above with a `// %s <why>` comment", read.file, read.line, read.what, wallClockNote)
			}
		}
	}
}

type wallClockRead struct {
	file  string // relative to the module
	line  int
	what  string // e.g. "time.Now"
	noted bool   // the line carries a wall-clock note
}

// wallClockReads parses the files of p and returns their wall-clock reads.
func wallClockReads(t *testing.T, p pkg, files []string) []wallClockRead {
	t.Helper()
	var out []wallClockRead
	for _, f := range files {
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, read := range fileWallClockReads(fset, file) {
			read.file = path.Join(rel(p.ImportPath), f)
			out = append(out, read)
		}
	}
	return out
}

// fileWallClockReads finds the references to time.Now, time.Since,
// time.Until and clock.System in file (calls or not: passing time.Now along
// reads it too) and whether a wall-clock note covers each. It goes by the
// syntax tree, so comments and strings that mention them do not count.
func fileWallClockReads(fset *token.FileSet, file *ast.File) []wallClockRead {
	banned := map[string]map[string]bool{} // local package name → banned selectors
	for _, imp := range file.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		var sels map[string]bool
		switch ip {
		case "time":
			sels = map[string]bool{"Now": true, "Since": true, "Until": true}
		case module + "/internal/clock":
			sels = map[string]bool{"System": true}
		default:
			continue
		}
		local := path.Base(ip)
		if imp.Name != nil {
			local = imp.Name.Name
		}
		banned[local] = sels
	}
	noted := map[int]bool{} // lines a note covers
	for _, g := range file.Comments {
		for _, c := range g.List {
			text := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(c.Text, "//"), "/*"))
			if why, ok := strings.CutPrefix(text, wallClockNote); ok && strings.TrimSpace(strings.TrimSuffix(why, "*/")) != "" {
				// The group's last line is the comment's own line or the
				// one just above the code.
				end := fset.Position(g.End()).Line
				noted[fset.Position(c.Pos()).Line], noted[end], noted[end+1] = true, true, true
			}
		}
	}
	var out []wallClockRead
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil || !banned[id.Name][sel.Sel.Name] {
			return true // id.Obj is set for a local variable of that name
		}
		line := fset.Position(sel.Pos()).Line
		out = append(out, wallClockRead{line: line, what: id.Name + "." + sel.Sel.Name, noted: noted[line]})
		return true
	})
	return out
}

// The check itself: what counts as a read, and what a note covers.
func TestWallClockReadsCheck(t *testing.T) {
	src := `package x

import (
	"time"

	clk "` + module + `/internal/clock"
)

func f() {
	_ = time.Now()                     // line 10: a read
	_ = time.Since(time.Time{})        // wall clock: measuring a benchmark
	// wall clock: a polling deadline
	_ = time.Until(time.Time{})
	_ = clk.System{}                   // line 14: a read
	now := time.Now                    // line 15: passed along, still a read
	_ = now
	_ = "time.Now()"                   // a string
	// time.Now() in a comment
	_ = time.Duration(0)               // not a clock
	_ = time.Now()                     // wall clock:
}
`
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "x_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range fileWallClockReads(fset, file) {
		got = append(got, fmt.Sprintf("%d %s noted=%v", r.line, r.what, r.noted))
	}
	// The last line's note gives no reason, so it does not count.
	want := []string{"10 time.Now noted=false", "11 time.Since noted=true", "13 time.Until noted=true",
		"14 clk.System noted=false", "15 time.Now noted=false", "20 time.Now noted=false"}
	if !slices.Equal(got, want) {
		t.Errorf("reads %s, want %s", got, want)
	}
}
