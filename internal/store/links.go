package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
)

// Links returns the stored identity links ordered by e-mail, target,
// account and member id.
func (s *Store) Links(ctx context.Context) ([]identity.Link, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT email, target, account, member_id, member_name, account_name, origin, created_at, created_by, note
		FROM links ORDER BY email, target, account, member_id`)
	if err != nil {
		return nil, fmt.Errorf("store: list links: %w", err)
	}
	defer rows.Close()
	var out []identity.Link
	for rows.Next() {
		var l identity.Link
		var email, origin, created string
		if err := rows.Scan(&email, &l.Target, &l.Account, &l.MemberID, &l.MemberName, &l.AccountName, &origin, &created, &l.CreatedBy, &l.Note); err != nil {
			return nil, fmt.Errorf("store: list links: %w", err)
		}
		l.Email, l.Origin = member.Email(email), identity.Origin(origin)
		// Keys made before e-mails were brought to NFC (a decomposed
		// žiga) still meet their members' keys.
		if n, err := member.NormalizeEmail(email); err == nil && n != "" {
			l.Email = n
		}
		if l.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("store: list links: <%s> on %s account %s: created_at: %w", email, l.Target, l.Account, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list links: %w", err)
	}
	return out, nil
}

// AddLink stores l, or updates the link with the same e-mail, target,
// account and member id. A confirmed link stays confirmed when an import
// brings it again; CreatedAt (defaulting to the clock's now) is kept from the
// first time; names shown (MemberName, AccountName) replace the ones kept
// when given. A confirmed link pinned to a member also makes that member
// the account's accepted owner (the operator's decision). Links of origin "terminal" are derived on every run and are
// refused.
func (s *Store) AddLink(ctx context.Context, l identity.Link) error {
	what := fmt.Sprintf("add link <%s> → %s account %s", l.Email, l.Target, l.Account)
	if err := s.writable(what); err != nil {
		return err
	}
	err := func() error {
		if l.Email == "" || l.Target == "" || l.Account == "" {
			return fmt.Errorf("e-mail, target and account are required")
		}
		if norm, err := member.NormalizeEmail(string(l.Email)); err != nil {
			return err
		} else if norm != l.Email {
			return fmt.Errorf("e-mail is not normalised (want %q)", norm)
		}
		switch l.Origin {
		case identity.Confirmed, identity.Imported:
		case identity.Terminal:
			return fmt.Errorf("links found on the terminal are derived on every run, not stored")
		default:
			return fmt.Errorf("unknown origin %q", l.Origin)
		}
		if l.CreatedAt.IsZero() {
			l.CreatedAt = s.clk.Now()
		}
		created, err := mustTime(l.CreatedAt, "creation time")
		if err != nil {
			return err
		}
		return s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO links (email, target, account, member_id, member_name, account_name, origin, created_at, created_by, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (email, target, account, member_id) DO UPDATE SET
				origin = CASE WHEN links.origin = 'confirmed' THEN 'confirmed' ELSE excluded.origin END,
				member_name = CASE WHEN excluded.member_name = '' AND excluded.account_name = '' THEN links.member_name ELSE excluded.member_name END,
				account_name = CASE WHEN excluded.member_name = '' AND excluded.account_name = '' THEN links.account_name ELSE excluded.account_name END,
				created_by = CASE WHEN excluded.created_by = '' THEN links.created_by ELSE excluded.created_by END,
				note = CASE WHEN excluded.note = '' THEN links.note ELSE excluded.note END`,
				string(l.Email), l.Target, l.Account, l.MemberID, l.MemberName, l.AccountName, string(l.Origin), created, l.CreatedBy, l.Note); err != nil {
				return err
			}
			if l.Origin != identity.Confirmed || l.MemberID == "" {
				return nil
			}
			// The operator decided whose the account is: that is what
			// the runs compare with from now on (the owner it had is not
			// held as a change; links add and the console name it first).
			_, err := tx.ExecContext(ctx, `INSERT INTO resolutions (target, account, member_id, email, name, account_name, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (target, account) DO UPDATE SET member_id = excluded.member_id, email = excluded.email,
					name = excluded.name, account_name = excluded.account_name, run_id = NULL, updated_at = excluded.updated_at`,
				l.Target, l.Account, l.MemberID, string(l.Email), l.MemberName, l.AccountName, created)
			return err
		})
	}()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// RemoveLink deletes the links of email on targetName to account (for every
// member id) and returns how many it deleted. An empty account removes the
// e-mail's links on the whole target; an empty targetName as well removes
// all of the e-mail's links. What the runs accepted for those accounts goes
// with them: the account is recorded as seen with no member, so that the
// next run resolves it afresh and holds whoever then claims it.
func (s *Store) RemoveLink(ctx context.Context, email member.Email, targetName, account string) (int, error) {
	what := fmt.Sprintf("remove link <%s> → %s account %s", email, targetName, account)
	if err := s.writable(what); err != nil {
		return 0, err
	}
	if email == "" {
		return 0, fmt.Errorf("store: %s: e-mail is required", what)
	}
	if targetName == "" && account != "" {
		return 0, fmt.Errorf("store: %s: an account needs its target", what)
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Not when another link still pins the account to the member the
		// runs have it as.
		if _, err := tx.ExecContext(ctx, `UPDATE resolutions SET member_id = '', email = '', name = '', run_id = NULL
			WHERE (target, account) IN
			(SELECT target, account FROM links WHERE email = ? AND (? = '' OR target = ?) AND (? = '' OR account = ?))
			AND NOT EXISTS (SELECT 1 FROM links l WHERE l.target = resolutions.target AND l.account = resolutions.account
				AND l.email <> ? AND l.member_id <> '' AND l.member_id = resolutions.member_id)`,
			string(email), targetName, targetName, account, account, string(email)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM links WHERE email = ?
			AND (? = '' OR target = ?) AND (? = '' OR account = ?)`,
			string(email), targetName, targetName, account, account)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", what, err)
	}
	return int(n), nil
}
