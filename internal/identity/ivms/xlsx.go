package ivms

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Limits handed to excelize: a 64 MiB file must not unpack into gigabytes
// (a ZIP bomb), and worksheets up to this size stay in memory rather than
// in temporary files.
const (
	xlsxUnzipLimit    = 512 << 20
	xlsxXMLMemorySize = 128 << 20
)

// readXLSX reads the first sheet that has a recognised header row within
// its first rows. Line numbers are Excel's row numbers.
func readXLSX(data []byte, lim limits) (res ImportResult, err error) {
	// excelize parses untrusted XML inside the ZIP; a malformed workbook
	// must be an error for the operator, never a crash of the CLI.
	defer func() {
		if p := recover(); p != nil {
			res, err = ImportResult{}, fmt.Errorf("malformed XLSX workbook: %v", p)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxXMLMemorySize,
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("not a readable XLSX workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return ImportResult{}, errors.New("the workbook has no sheets")
	}
	partial := ""
	for _, sheet := range sheets {
		recs, cols, headerRow, p, err := readSheet(f, sheet, lim)
		if err != nil {
			return ImportResult{}, fmt.Errorf("sheet %q: %w", sheet, err)
		}
		if cols.index == nil {
			if partial == "" && p != "" {
				partial = fmt.Sprintf("sheet %q %s", sheet, p)
			}
			continue
		}
		res, err := collect(recs, cols, lim)
		if err != nil {
			return ImportResult{}, fmt.Errorf("sheet %q: %w", sheet, err)
		}
		if len(res.Rows)+len(res.Skipped) == 0 {
			return ImportResult{}, fmt.Errorf("sheet %q: no person rows below the header on row %d", sheet, headerRow)
		}
		res.Format = fmt.Sprintf("XLSX (sheet %q)", sheet)
		res.HeaderLine = headerRow
		return res, nil
	}
	return ImportResult{}, noHeader(partial)
}

// readSheet finds the header in the sheet's first rows and returns the rows
// below it. cols.index is nil when the sheet has no recognised header;
// partial then describes a near miss for the error message.
func readSheet(f *excelize.File, sheet string, lim limits) (recs []record, cols columnMap, headerRow int, partial string, err error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, columnMap{}, 0, "", err
	}
	defer rows.Close()
	// Next steps through every row number, gaps included, so n is the row
	// number Excel shows.
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			return nil, columnMap{}, 0, "", fmt.Errorf("row %d: %w", n, err)
		}
		if len(cells) > maxColumns {
			return nil, columnMap{}, 0, "", fmt.Errorf("row %d: more than %d columns", n, maxColumns)
		}
		if headerRow == 0 {
			if n > headerWindow {
				return nil, columnMap{}, 0, partial, nil
			}
			c, found := matchHeader(cells)
			if found {
				cols, headerRow = c, n
				continue
			}
			if _, id := c.index[ColPersonID]; id && partial == "" && len(cells) > 1 {
				partial = fmt.Sprintf("row %d has a person ID column (%q) but no e-mail column", n, c.header[ColPersonID])
			}
			continue
		}
		if len(recs) > 2*lim.rows {
			return nil, columnMap{}, 0, "", fmt.Errorf("row %d: more than %d rows: split the file", n, 2*lim.rows)
		}
		if blank(cells) {
			continue // formatted but empty rows, common below a table
		}
		recs = append(recs, record{line: n, fields: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, columnMap{}, 0, "", err
	}
	return recs, cols, headerRow, partial, nil
}
