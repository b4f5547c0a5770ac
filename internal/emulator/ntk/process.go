package ntk

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
)

// Processing is what NTK made of an accepted list (seed 003, 2.2): the
// per-line validation, then the uniqueness of cards across access users,
// then the vetoed cards. NTK reports such problems by phone or e-mail, not
// through the API; the emulator keeps them here for tests and the demo.
type Processing struct {
	Lines      int       // lines read
	Ignored    []Ignored // invalid lines, ignored
	Duplicates []string  // cards left out: also on another access user's list
	Vetoed     []string  // cards removed by NTK's veto
	// Access is what the list grants after processing: card (upper-case
	// hex) → zones, ascending.
	Access map[string][]int
}

// Ignored is a line NTK ignored.
type Ignored struct {
	Line   int    // 1-based
	Text   string // the line (clipped to 80 bytes)
	Reason string
}

// process validates every line of an accepted list.
func process(data []byte, zones map[int]bool, others, vetoed map[string]bool) Processing {
	p := Processing{Access: map[string][]int{}}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		p.Lines++
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if err := checkLine(line); err != nil {
			p.ignore(line, err.Error())
			continue
		}
		cols := bytes.Split(line, []byte{';'})
		card := string(bytes.ToUpper(cols[0]))
		zone, _ := strconv.Atoi(string(cols[1])) // checkLine: 1-5 digits
		if len(zones) > 0 && zone != 0 && !zones[zone] {
			p.ignore(line, fmt.Sprintf("access zone %d is not agreed for this access user", zone))
			continue
		}
		if !slices.Contains(p.Access[card], zone) {
			p.Access[card] = append(p.Access[card], zone)
		}
	}
	for card, zs := range p.Access {
		slices.Sort(zs)
		switch {
		case others[card]:
			p.Duplicates = append(p.Duplicates, card)
			delete(p.Access, card)
		case vetoed[card]:
			p.Vetoed = append(p.Vetoed, card)
			delete(p.Access, card)
		}
	}
	slices.Sort(p.Duplicates)
	slices.Sort(p.Vetoed)
	return p
}

func (p *Processing) ignore(line []byte, reason string) {
	text := line
	if len(text) > 80 {
		text = text[:80]
	}
	p.Ignored = append(p.Ignored, Ignored{Line: p.Lines, Text: string(text), Reason: reason})
}
