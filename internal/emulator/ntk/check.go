package ntk

import (
	"bytes"
	"errors"
	"fmt"
)

// HeadSize is how much of a list NTK checks while receiving it (seed 003,
// 2.2: "prvních 4kB").
const HeadSize = 4096

// This file is NTK's side of the format, written from the seed on its own
// (not shared with the client's validator) so that tests comparing the two
// catch a misreading in either.

// checkHead is the check NTK runs while receiving: every line that lies
// wholly within the first 4 KB must have at least two ';'-separated columns,
// a card of 8 or 14 hex digits and a zone of at most 5 decimal digits. A line
// cut by the 4 KB boundary is left to the per-line processing, as are all
// lines after it: that is the unpleasant part, a bad line at byte 5000 is
// accepted with 202 and silently ignored later.
func checkHead(data []byte) error {
	if len(data) == 0 {
		return errors.New("the file is empty")
	}
	head := data
	complete := true
	if len(head) > HeadSize {
		head, complete = head[:HeadSize], false
	}
	n, checked := 0, 0
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 && !complete {
			break // cut by the 4 KB boundary
		}
		var line []byte
		if i < 0 {
			line, head = head, nil
		} else {
			line, head = head[:i], head[i+1:]
		}
		n++
		if err := checkLine(bytes.TrimSuffix(line, []byte{'\r'})); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		checked++
	}
	if checked == 0 {
		return errors.New("line 1: longer than 4 KB, not an access list")
	}
	return nil
}

// checkLine checks one line's format (not the zone range: that is done
// after acceptance against the access user's agreed zones).
func checkLine(line []byte) error {
	if len(line) == 0 {
		return errors.New("empty line")
	}
	for i, c := range line {
		if (c < 0x20 || c > 0x7e) && c != '\t' {
			return fmt.Errorf("character %d (0x%02X) is not printable ASCII", i+1, c)
		}
	}
	cols := bytes.Split(line, []byte{';'})
	if len(cols) < 2 {
		return errors.New("fewer than two columns separated by ';'")
	}
	card, zone := cols[0], cols[1]
	if len(card) != 8 && len(card) != 14 {
		return fmt.Errorf("card number %q is not a hexadecimal number of 8 or 14 digits", short(card))
	}
	for _, c := range card {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return fmt.Errorf("card number %q is not a hexadecimal number", card)
		}
	}
	if len(zone) == 0 || len(zone) > 5 {
		return fmt.Errorf("access zone %q is not a decimal number of at most 5 digits", short(zone))
	}
	for _, c := range zone {
		if c < '0' || c > '9' {
			return fmt.Errorf("access zone %q is not a decimal number", zone)
		}
	}
	return nil
}

func short(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}
