package ivms

import (
	"strconv"
	"strings"

	"github.com/doorsync/doorsync/internal/member"
)

// Column names used as keys of ImportResult.Columns.
const (
	ColPersonID     = "person id"
	ColEmail        = "e-mail"
	ColName         = "name"
	ColFirstName    = "first name"
	ColLastName     = "last name"
	ColOrganisation = "organisation"
)

type headerAlias struct {
	col     string
	aliases []string
}

// headerAliases lists, per column, the header spellings an export may use,
// best first: when a file has both "Person ID" and "ID", "Person ID" wins.
// Matching folds case, spaces, punctuation and diacritics ("E-pošta",
// "e pošta" and "EPOSTA" are one header; the "*" iVMS puts on required
// columns is ignored). docs/links-import.md lists the same headers: keep
// them in step.
func headerAliases() []headerAlias {
	return []headerAlias{
		{ColPersonID, []string{"Person ID", "Employee No.", "Employee ID", "Employee Number", "Person No.",
			"ID osebe", "Št. osebe", "Številka osebe", "ID"}},
		{ColEmail, []string{"Email", "E-mail", "Email Address", "E-mail Address", "E-pošta", "E-poštni naslov",
			"Elektronska pošta"}},
		{ColName, []string{"Person Name", "Name", "Full Name", "Ime in priimek", "Ime osebe"}},
		{ColFirstName, []string{"First Name", "Given Name", "Ime"}},
		{ColLastName, []string{"Last Name", "Family Name", "Surname", "Priimek"}},
		{ColOrganisation, []string{"Organization", "Organisation", "Department", "Organizacija", "Oddelek"}},
	}
}

// headerKey folds a header cell for comparison: "Employee No.*" → "employeeno".
func headerKey(s string) string {
	return strings.ReplaceAll(member.FoldName(s), " ", "")
}

// columnMap says which cell of a row holds which column (-1: absent) and
// which header text was used.
type columnMap struct {
	index  map[string]int
	header map[string]string
}

func (c columnMap) cell(row []string, col string) string {
	i, ok := c.index[col]
	if !ok || i >= len(row) {
		return ""
	}
	return cleanCell(row[i])
}

// cleanCell trims white space, including the non-breaking and zero-width
// spaces spreadsheets leave behind.
func cleanCell(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' || r == '\u200b' || r == '\ufeff'
	})
}

// matchHeader recognises a header row. It returns the columns found; ok is
// true only when both a person ID and an e-mail column are present.
func matchHeader(row []string) (c columnMap, ok bool) {
	c = columnMap{index: map[string]int{}, header: map[string]string{}}
	keys := make([]string, len(row))
	for i, cell := range row {
		keys[i] = headerKey(cell)
	}
	for _, h := range headerAliases() {
	aliases:
		for _, alias := range h.aliases {
			want := headerKey(alias)
			for i, k := range keys {
				if k == want {
					c.index[h.col] = i
					c.header[h.col] = cleanCell(row[i])
					break aliases
				}
			}
		}
	}
	_, id := c.index[ColPersonID]
	_, mail := c.index[ColEmail]
	return c, id && mail
}

// columnsUsed reports, for ImportResult.Columns, which header fed which field.
func (c columnMap) columnsUsed() map[string]string {
	out := make(map[string]string, len(c.header))
	for k, v := range c.header {
		out[k] = v
	}
	// A full-name column makes first/last unused: don't claim them.
	if _, ok := c.index[ColName]; ok {
		delete(out, ColFirstName)
		delete(out, ColLastName)
	}
	return out
}

// acceptedHeaders lists the accepted person-ID and e-mail headers for the
// "no header found" error.
func acceptedHeaders() string {
	var parts []string
	for _, h := range headerAliases() {
		if h.col != ColPersonID && h.col != ColEmail {
			continue
		}
		quoted := make([]string, len(h.aliases))
		for i, a := range h.aliases {
			quoted[i] = strconv.Quote(a)
		}
		parts = append(parts, h.col+": "+strings.Join(quoted, ", "))
	}
	return strings.Join(parts, "; ")
}
