package ivms

import (
	"errors"
	"fmt"
	"strings"
)

// readCSV reads a text export: decode, find the delimiter and the header
// row together, then read every row below the header.
func readCSV(data []byte, lim limits) (ImportResult, error) {
	text, encoding, err := decodeText(data)
	if err != nil {
		return ImportResult{}, err
	}
	if strings.TrimSpace(text) == "" {
		return ImportResult{}, errors.New("the file is empty")
	}
	if strings.ContainsRune(text, 0) {
		return ImportResult{}, errors.New("binary content: not a CSV or XLSX person export")
	}
	start, startLine, forced := sepLine(text)
	delims := []byte{';', ',', '\t'}
	if forced != 0 {
		delims = []byte{forced}
	}
	// The delimiter is the one under which a header row is recognised; if
	// several are, the one that recognises more columns. Title rows above
	// the header ("Person Information") parse under any delimiter.
	var (
		best      byte
		bestCols  columnMap
		bestLine  int
		bestCount = -1
		partial   string // a row with a person ID column but no e-mail one
		scanErr   error
	)
	for _, d := range delims {
		sc := newCSVScanner(text[start:], d)
		sc.line = startLine
		for range headerWindow {
			rec, ok, err := sc.next()
			if err != nil {
				scanErr = err
				break
			}
			if !ok {
				break
			}
			cols, found := matchHeader(rec.fields)
			if !found {
				if _, id := cols.index[ColPersonID]; id && partial == "" && len(rec.fields) > 1 {
					partial = fmt.Sprintf("line %d has a person ID column (%q) but no e-mail column", rec.line, cols.header[ColPersonID])
				}
				continue
			}
			if len(cols.index) > bestCount {
				best, bestCols, bestLine, bestCount = d, cols, rec.line, len(cols.index)
			}
			break
		}
	}
	if bestCount < 0 {
		if scanErr != nil {
			return ImportResult{}, fmt.Errorf("no header row found: %w", scanErr)
		}
		return ImportResult{}, noHeader(partial)
	}
	sc := newCSVScanner(text[start:], best)
	sc.line = startLine
	var recs []record
	for {
		rec, ok, err := sc.next()
		if err != nil {
			return ImportResult{}, err
		}
		if !ok {
			break
		}
		if rec.line <= bestLine {
			continue
		}
		if len(recs) > 2*lim.rows {
			// Blank lines count too, generously; collect enforces the
			// limit on person rows with a precise message.
			return ImportResult{}, fmt.Errorf("line %d: more than %d rows: split the file", rec.line, 2*lim.rows)
		}
		recs = append(recs, rec)
	}
	res, err := collect(recs, bestCols, lim)
	if err != nil {
		return ImportResult{}, err
	}
	if len(res.Rows)+len(res.Skipped) == 0 {
		return ImportResult{}, fmt.Errorf("no person rows below the header on line %d", bestLine)
	}
	res.Format = fmt.Sprintf("CSV (%s, %s-delimited)", encoding, delimName(best))
	res.HeaderLine = bestLine
	return res, nil
}

// sepLine recognises Excel's "sep=;" first line, which names the delimiter
// and is not part of the table. It returns where the table starts, its line
// number and the delimiter (0 if there is no such line).
func sepLine(text string) (start, line int, delim byte) {
	first, _, _ := strings.Cut(text, "\n")
	first = strings.TrimRight(first, "\r")
	if len(first) == 5 && strings.EqualFold(first[:4], "sep=") && strings.IndexByte(";,\t|", first[4]) >= 0 {
		end := len(first)
		if end < len(text) && text[end] == '\r' {
			end++
		}
		if end < len(text) && text[end] == '\n' {
			end++
		}
		return end, 2, first[4]
	}
	return 0, 1, 0
}

func delimName(d byte) string {
	switch d {
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	case ',':
		return "comma"
	}
	return fmt.Sprintf("%q", d)
}

// noHeader is the error for a file whose header row was not found: it
// says which headers are accepted.
func noHeader(partial string) error {
	msg := fmt.Sprintf("no header row with a person ID and an e-mail column in the first %d rows", headerWindow)
	if partial != "" {
		msg += " (" + partial + ")"
	}
	return fmt.Errorf("%s; accepted headers: %s (see docs/links-import.md)", msg, acceptedHeaders())
}
