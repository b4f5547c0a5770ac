package cardskipper

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
)

// hostileReader streams head, then unit repeated until n bytes in all have
// been read, then tail: a reply as big as the body cap allows without
// holding it in memory.
type hostileReader struct {
	head, unit, tail []byte
	n, read          int64
	tailDone         int
}

func hostile(head, unit, tail string, n int64) *hostileReader {
	return &hostileReader{head: []byte(head), unit: []byte(unit), tail: []byte(tail), n: n}
}

func (h *hostileReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) {
		switch {
		case h.read < int64(len(h.head)):
			c := copy(p[w:], h.head[h.read:])
			w += c
			h.read += int64(c)
		case h.read < h.n-int64(len(h.tail)):
			i := (h.read - int64(len(h.head))) % int64(len(h.unit))
			c := copy(p[w:], h.unit[i:])
			if rest := h.n - int64(len(h.tail)) - h.read; int64(c) > rest {
				c = int(rest)
			}
			w += c
			h.read += int64(c)
		case h.tailDone < len(h.tail):
			c := copy(p[w:], h.tail[h.tailDone:])
			w += c
			h.tailDone += c
		default:
			if w == 0 {
				return 0, io.EOF
			}
			return w, nil
		}
	}
	return w, nil
}

// hostileSize is how big each hostile reply is: far beyond every cap, small
// enough for the test to stream in a moment if a cap does not hold.
const hostileSize = 64 << 20

// boundsBudget is what decoding a hostile reply may allocate in all
// (runtime.MemStats.TotalAlloc, an upper bound on the peak): the read
// buffer, the token buffer grown to maxTag and the message. The package
// doc states it.
const boundsBudget = 2 << 20

const memberHead = `<?xml version="1.0"?><Cardskipper><Members>` +
	`<Member OrganisationMemberId="1" Firstname="Ana" Lastname="Novak"><ContactInfo EMail="ana@example.si"/></Member>` +
	`<Member OrganisationMemberId="2" Firstname="Bor" Lastname="Kos">`

// TestHostileRepliesAreBounded decodes replies built to exhaust memory: each
// fails with ErrTooLarge naming the cap and where, returns no members and
// allocates at most boundsBudget while streaming far more than that.
func TestHostileRepliesAreBounded(t *testing.T) {
	zone := ljubljana(t)
	for _, tt := range []struct {
		name   string
		r      *hostileReader
		errHas []string
	}{
		{name: "deep nesting", r: hostile(memberHead, "<a>", "", hostileSize),
			errHas: []string{"elements nested deeper than 256", "after 1 members, the last one member 1", "byte "}},
		{name: "deep nesting of self-named elements", r: hostile(memberHead, "<Member>", "", hostileSize),
			errHas: []string{"elements nested deeper than 256"}},
		{name: "one huge attribute", r: hostile(memberHead+`<Extra Extra1="`, "x", `"/></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"an attribute value longer than 65536 bytes", "after 1 members, the last one member 1"}},
		{name: "one huge attribute of references", r: hostile(memberHead+`<Extra Extra1="`, "&#x17E;", `"/></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"an attribute value longer than 65536 bytes"}},
		{name: "one huge text", r: hostile(memberHead+`<Tags><Tag>`, "student ", `</Tag></Tags></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"a text longer than 65536 bytes"}},
		{name: "one huge run of white space", r: hostile(memberHead, " \n", `</Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"a text longer than 65536 bytes"}},
		{name: "one huge CDATA section", r: hostile(memberHead+`<Tags><Tag><![CDATA[`, "x", `]]></Tag></Tags></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"a text longer than 65536 bytes"}},
		{name: "attributes without end", r: hostile(memberHead+`<Extra`, ` a=""`, `/></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"more than 256 attributes"}},
		{name: "one huge element name", r: hostile(memberHead+`<E`, "x", `/></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"a name longer than 1024 bytes"}},
		{name: "one huge attribute name", r: hostile(memberHead+`<Extra a`, "x", `=""/></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"a name longer than 1024 bytes"}},
		{name: "one huge start tag", r: hostile(memberHead+`<Extra`, ` a="`+strings.Repeat("x", 60_000)+`"`, `/></Member></Members></Cardskipper>`, hostileSize),
			errHas: []string{"a start tag longer than 262144 bytes"}},
		{name: "one huge XML declaration", r: hostile(`<?xml version="1.0" `, "x", `?><Cardskipper/>`, hostileSize),
			errHas: []string{"an XML declaration longer than 65536 bytes"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ms []member.Member
			var err error
			alloc := allocated(func() { ms, err = DecodeExport(tt.r, zone) })
			if err == nil {
				t.Fatalf("decoded %d members, want an error", len(ms))
			}
			if ms != nil {
				t.Errorf("error %v with %d members", err, len(ms))
			}
			if !errors.Is(err, ErrTooLarge) || Retryable(err) {
				t.Errorf("error %v: want ErrTooLarge, not retryable", err)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if alloc > boundsBudget {
				t.Errorf("allocated %d bytes (%.1f MiB), budget %d", alloc, float64(alloc)/(1<<20), boundsBudget)
			}
			if tt.r.read >= hostileSize {
				t.Errorf("read the whole %d-byte reply before failing", tt.r.read)
			}
			t.Logf("%v\nallocated %d KiB, read %d KiB", err, alloc>>10, tt.r.read>>10)
		})
	}
}

// TestCountsAreBounded: millions of tiny elements within the body cap
// stop at the count caps, with no member list, and the tags of one member
// are told apart in linear time.
func TestCountsAreBounded(t *testing.T) {
	zone := ljubljana(t)
	for _, tt := range []struct {
		name   string
		r      io.Reader
		errHas string
		budget uint64
	}{
		{name: "members without end", r: hostile(memberHead+`</Member>`, `<Member/>`, `</Members></Cardskipper>`, hostileSize),
			errHas: "more than 250000 members", budget: 256 << 20},
		{name: "roles without end", r: hostile(memberHead+`<Organisations><Organisation Id="1"><Roles>`, `<Role Id="5"/>`, `</Roles></Organisation></Organisations></Member></Members></Cardskipper>`, hostileSize),
			errHas: "more than 1024 roles in one member", budget: 4 << 20},
		{name: "unique tags without end", r: uniqueTags(5000),
			errHas: "more than 1024 tags in one member", budget: 4 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ms []member.Member
			var err error
			alloc := allocated(func() { ms, err = DecodeExport(tt.r, zone) })
			if err == nil || ms != nil || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("%d members, error %v; want ErrTooLarge saying %q", len(ms), err, tt.errHas)
			}
			if alloc > tt.budget {
				t.Errorf("allocated %d MiB, budget %d MiB", alloc>>20, tt.budget>>20)
			}
			t.Logf("%v\nallocated %d KiB", err, alloc>>10)
		})
	}
}

// uniqueTags is a reply whose second member has n tags, all different.
func uniqueTags(n int) io.Reader {
	var b strings.Builder
	b.WriteString(memberHead + `<Tags>`)
	for i := range n {
		fmt.Fprintf(&b, `<Tag Label="t%d"/>`, i)
	}
	b.WriteString(`</Tags></Member></Members></Cardskipper>`)
	return strings.NewReader(b.String())
}

// TestBoundsLeaveRealExportsAlone: a document at the caps still decodes.
func TestBoundsLeaveRealExportsAlone(t *testing.T) {
	zone := ljubljana(t)
	deep := strings.Repeat("<a>", maxDepth-3) + strings.Repeat("</a>", maxDepth-3)
	long := strings.Repeat("ž", maxValue/2)
	doc := `<Cardskipper><Members><Member OrganisationMemberId="1" Firstname="` + long + `">` + deep +
		`<Tags><Tag>` + strings.Repeat(" ", maxValue-10) + `vip</Tag></Tags></Member></Members></Cardskipper>`
	ms, err := DecodeExport(strings.NewReader(doc), zone)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].FirstName != long || len(ms[0].Tags) != 1 || ms[0].Tags[0] != "vip" {
		t.Fatalf("members %+v", ms)
	}
	// One level deeper fails.
	deeper := strings.Replace(doc, deep, "<a>"+deep+"</a>", 1)
	if _, err := DecodeExport(strings.NewReader(deeper), zone); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%d levels: %v, want ErrTooLarge", maxDepth+1, err)
	}
}

// allocated is how many bytes f allocates in all.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkHostileDeepNesting decodes a 64 MiB reply of nested elements:
// with the caps it stops after about a kilobyte (see -benchmem).
func BenchmarkHostileDeepNesting(b *testing.B) {
	zone := ljubljana(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeExport(hostile(memberHead, "<a>", "", hostileSize), zone); !errors.Is(err, ErrTooLarge) {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostileAttribute decodes a 64 MiB reply that is one attribute.
func BenchmarkHostileAttribute(b *testing.B) {
	zone := ljubljana(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeExport(hostile(memberHead+`<Extra Extra1="`, "x", `"/>`, hostileSize), zone); !errors.Is(err, ErrTooLarge) {
			b.Fatal(err)
		}
	}
}

// Organisation/Info is decoded by encoding/xml: a reply of tiny elements
// is stopped at 1 MiB, and names are cleaned where they enter.
func TestOrganisationInfoIsBounded(t *testing.T) {
	big := hostile(`<?xml version="1.0"?><Cardskipper><Organisations>`, `<Organisation Id="1"/>`, `</Organisations></Cardskipper>`, hostileSize)
	var err error
	alloc := allocated(func() { _, err = DecodeOrganisationInfo(big) })
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	if alloc > 128<<20 {
		t.Errorf("allocated %d MiB for a reply stopped at 1 MiB", alloc>>20)
	}
	if big.read > 4<<20 {
		t.Errorf("read %d MiB", big.read>>20)
	}
	orgs, err := DecodeOrganisationInfo(strings.NewReader(`<?xml version="1.0"?><Cardskipper><Organisations>` +
		`<Organisation Id="1" Name="Fit&#x9b;31m&#x202e;nes"><Roles><Role Id="5" Name="Mese&#x200b;čna" Description="&#x85;x"/></Roles></Organisation>` +
		`</Organisations></Cardskipper>`))
	if err != nil {
		t.Fatal(err)
	}
	if o := orgs[0]; o.Name != "Fitnes" || o.Roles[0].Name != "Mesečna" || o.Roles[0].Description != "x" {
		t.Errorf("names not cleaned: %+v", o)
	}
}

// One organisation's name with a character XML forbids, as a reference,
// does not fail every organisation (with child organisations, every
// member's renewal): it reads as U+FFFD.
func TestOrganisationInfoForbiddenReference(t *testing.T) {
	orgs, err := DecodeOrganisationInfo(strings.NewReader(`<?xml version="1.0"?><Cardskipper><Organisations>` +
		`<Organisation Id="1" Name="Fit&#27;[31mnes &#x1B; &#X1b; &amp;#27; &#65;"/><Organisation Id="2" Name="Kids"/>` +
		`</Organisations></Cardskipper>`))
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[0].Name != "Fit\uFFFD[31mnes \uFFFD \uFFFD &#27; A" || orgs[1].Name != "Kids" {
		t.Errorf("organisations: %+v", orgs)
	}
	for _, bad := range []string{`<Cardskipper><Organisations><Organisation Id="1" Name="&#27"/></Organisations></Cardskipper>`,
		"<Cardskipper><Organisations><Organisation Id=\"1\" Name=\"\x1b\"/></Organisations></Cardskipper>"} {
		if _, err := DecodeOrganisationInfo(strings.NewReader(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: error %v, want malformed (not well-formed XML)", bad, err)
		}
	}
}
