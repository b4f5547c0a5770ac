package ivms

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Person files in the layouts Hikvision's own templates and HikCentral
// exports use (testdata/realworld/ivms; provenance in
// testdata/realworld/README.md), read as `doorsync links import` reads them.
func TestRealworldPersonFiles(t *testing.T) {
	cases := []struct {
		file   string
		header int
		row    ImportRow
		errHas string
	}{
		// HikCentral 2025 "Person Information Template": seven rule rows
		// above the header, "Employee No." and "Email".
		{file: "hikcentral_2025_person_template_layout.csv", header: 8,
			row: ImportRow{Line: 9, PersonID: "12345678901", Email: "maria.silva@example.com.br", RawEmail: "maria.silva@example.com.br",
				Name: "Maria da Silva", Organisation: "MEGA-FEIRA-2025"}},
		// A HikCentral person export: header on line 1, "ID" and "Email",
		// the name split into first and last.
		{file: "hikcentral_person_export_columns.csv", header: 1,
			row: ImportRow{Line: 2, PersonID: "20231001", Email: "ana.lopez@example.edu.gt", RawEmail: "ana.lopez@example.edu.gt", Name: "Ana Lopez"}},
		// iVMS-4200's own template has no e-mail column: refused with a
		// message that says what is missing where, never an empty import.
		{file: "ivms4200_person_template_layout.csv",
			errHas: `line 8 has a person ID column ("ID") but no e-mail column`},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("../../../testdata/realworld/ivms", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := ReadExport(f, tc.file)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) || !strings.HasPrefix(err.Error(), tc.file+": ") || len(res.Rows) != 0 {
					t.Fatalf("got %d rows, error %v; want %q", len(res.Rows), err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.HeaderLine != tc.header || len(res.Rows) != 1 || res.Rows[0] != tc.row || len(res.Skipped) != 0 {
				t.Errorf("header line %d, rows %+v, skipped %v", res.HeaderLine, res.Rows, res.Skipped)
			}
		})
	}
}
