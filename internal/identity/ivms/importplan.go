package ivms

import (
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// ImportPlan is what importing an export into one target would change.
type ImportPlan struct {
	Add     []identity.Link
	Skipped []Skip
	// Unchanged are rows whose link already exists (same e-mail, same
	// account): nothing to do, counted apart from the skips.
	Unchanged []Skip
}

// PlanImport decides which links an export adds for one target: a row is
// linked when its person ID is an account on the target and neither the
// account nor the e-mail is already linked to something else there.
// Confirmed links always win; an import never replaces any stored link (to
// change one, remove it first). Rows skipped while reading the file are
// carried over, so the plan accounts for every line. Names play no part:
// a link is e-mail ↔ person ID, so it survives renames on either side.
func PlanImport(res ImportResult, targetName string, accounts []target.Account, existing []identity.Link, now time.Time, by string) ImportPlan {
	plan := ImportPlan{Skipped: append([]Skip(nil), res.Skipped...)}
	onTarget := make(map[string]target.Account, len(accounts))
	emailOn := map[member.Email]string{} // e-mail found on the target → first account holding it
	for _, a := range accounts {
		onTarget[a.ID] = a
		if _, dup := emailOn[a.Email]; a.Email != "" && !dup {
			emailOn[a.Email] = a.ID
		}
	}
	// Stored links of this target, by account and by e-mail.
	byAccount := map[string][]identity.Link{}
	byEmail := map[member.Email][]identity.Link{}
	for _, l := range existing {
		// Terminal links are derived from the accounts on every run; the
		// accounts' e-mails are checked below instead.
		if l.Target != targetName || l.Email == "" || l.Account == "" || l.Origin == identity.Terminal {
			continue
		}
		byAccount[l.Account] = append(byAccount[l.Account], l)
		byEmail[l.Email] = append(byEmail[l.Email], l)
	}
	skip := func(row ImportRow, format string, args ...any) {
		plan.Skipped = append(plan.Skipped, Skip{Line: row.Line, Reason: rowLabel(row) + ": " + fmt.Sprintf(format, args...)})
	}
	for _, row := range res.Rows {
		acc, ok := onTarget[row.PersonID]
		if !ok {
			skip(row, "not on target %s", targetName)
			continue
		}
		if same := findLink(byAccount[row.PersonID], func(l identity.Link) bool { return l.Email == row.Email }); same != nil {
			plan.Unchanged = append(plan.Unchanged, Skip{Line: row.Line, Reason: fmt.Sprintf(
				"%s: already linked to %s (%s)", rowLabel(row), row.Email, originName(same.Origin))})
			continue
		}
		if other := findLink(byAccount[row.PersonID], nil); other != nil {
			skip(row, "account is already linked to %s by %s link; remove that link first to replace it",
				other.Email, article(other.Origin))
			continue
		}
		if other := findLink(byEmail[row.Email], nil); other != nil {
			skip(row, "%s is already linked to account %s on %s by %s link%s",
				row.Email, other.Account, targetName, article(other.Origin), confirmedWins(other.Origin))
			continue
		}
		if acc.Email != "" && acc.Email != row.Email {
			skip(row, "the target holds e-mail %s for this account, the export says %s: check which is right and link by hand",
				acc.Email, row.Email)
			continue
		}
		if id, ok := emailOn[row.Email]; ok && id != row.PersonID {
			skip(row, "the target holds %s on account %s: check which is right and link by hand", row.Email, id)
			continue
		}
		l := identity.Link{
			Email: row.Email, Target: targetName, Account: row.PersonID, Origin: identity.Imported,
			CreatedAt: now, CreatedBy: by, Note: importNote(row, acc),
		}
		plan.Add = append(plan.Add, l)
		// Rows below see this link like a stored one only for the account:
		// the same e-mail on several persons of one file is kept (a family
		// sharing an address), and the plan shows it as ambiguous until
		// each is pinned to a member.
		byAccount[l.Account] = append(byAccount[l.Account], l)
	}
	sortByLine(plan.Skipped)
	return plan
}

func findLink(ls []identity.Link, match func(identity.Link) bool) *identity.Link {
	for i := range ls {
		if match == nil || match(ls[i]) {
			return &ls[i]
		}
	}
	return nil
}

func rowLabel(row ImportRow) string {
	if row.Name != "" {
		return "person " + row.PersonID + " (" + row.Name + ")"
	}
	return "person " + row.PersonID
}

func originName(o identity.Origin) string {
	switch o {
	case identity.Imported:
		return "imported"
	default:
		return "confirmed"
	}
}

func article(o identity.Origin) string {
	switch o {
	case identity.Imported:
		return "an imported"
	default:
		return "a confirmed"
	}
}

func confirmedWins(o identity.Origin) string {
	if o == identity.Confirmed || o == "" {
		return " (confirmed links win over imports)"
	}
	return "; remove that link first to move the e-mail"
}

// importNote records where the link came from, and the name on each side
// when they differ, for whoever reads the link table later.
func importNote(row ImportRow, acc target.Account) string {
	note := fmt.Sprintf("iVMS export line %d", row.Line)
	if row.Name != "" && acc.Name != "" && member.FoldName(row.Name) != member.FoldName(acc.Name) {
		note += fmt.Sprintf("; export name %q, terminal name %q", row.Name, acc.Name)
	}
	return note
}
