package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
)

// Resolutions returns what the runs accepted: per target and account, the
// member it belongs to (an empty id for an account seen with no member),
// ordered by target and account.
func (s *Store) Resolutions(ctx context.Context) ([]identity.Resolution, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT target, account, member_id, email, name, account_name, ignored_email
		FROM resolutions ORDER BY target, account`)
	if err != nil {
		return nil, fmt.Errorf("store: resolutions: %w", err)
	}
	defer rows.Close()
	var out []identity.Resolution
	for rows.Next() {
		var r identity.Resolution
		var email, ignored string
		if err := rows.Scan(&r.Target, &r.Account, &r.MemberID, &email, &r.Name, &r.AccountName, &ignored); err != nil {
			return nil, fmt.Errorf("store: resolutions: %w", err)
		}
		r.Email, r.IgnoredEmail = member.Email(email), member.Email(ignored)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: resolutions: %w", err)
	}
	return out, nil
}

// AcceptResolutions records what run runID accepted on targetName.
// accounts, when not nil, is every account the run read there: rows of
// accounts gone from the target are deleted. accepted replace the rows of
// their accounts; one with no member records an account seen with no
// member (a member who claims it later is an identity change, not a new
// account) and never clears the member an earlier run accepted (a member
// missing from one export keeps their account). Only rows that change are
// written.
func (s *Store) AcceptResolutions(ctx context.Context, runID int64, targetName string, accounts []string, accepted []identity.Resolution) error {
	what := "accept resolutions on " + targetName
	if err := s.writable(what); err != nil {
		return err
	}
	now, err := mustTime(s.clk.Now(), "clock")
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	run := runRef(runID)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		have := map[string]identity.Resolution{}
		rows, err := tx.QueryContext(ctx, `SELECT account, member_id, email, name, account_name, ignored_email FROM resolutions WHERE target = ?`, targetName)
		if err != nil {
			return err
		}
		for rows.Next() {
			r := identity.Resolution{Target: targetName}
			var email, ignored string
			if err := rows.Scan(&r.Account, &r.MemberID, &email, &r.Name, &r.AccountName, &ignored); err != nil {
				rows.Close()
				return err
			}
			r.Email, r.IgnoredEmail = member.Email(email), member.Email(ignored)
			have[r.Account] = r
		}
		if err := rows.Close(); err != nil {
			return err
		}
		put, err := tx.PrepareContext(ctx, `INSERT INTO resolutions (target, account, member_id, email, name, account_name, run_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (target, account) DO UPDATE SET member_id = excluded.member_id, email = excluded.email,
				name = excluded.name, account_name = excluded.account_name, run_id = excluded.run_id, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer put.Close()
		write := func(r identity.Resolution) error {
			_, err := put.ExecContext(ctx, targetName, r.Account, r.MemberID, string(r.Email), r.Name, r.AccountName, run, now)
			have[r.Account] = r
			return err
		}
		if accounts != nil {
			present := make(map[string]bool, len(accounts))
			for _, a := range accounts {
				present[a] = true
			}
			for a := range have {
				if present[a] {
					continue
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM resolutions WHERE target = ? AND account = ?`, targetName, a); err != nil {
					return err
				}
			}
		}
		for _, r := range accepted {
			if r.Account == "" {
				continue
			}
			old, ok := have[r.Account]
			if r.MemberID == "" && ok {
				continue
			}
			r.Target = targetName
			r.IgnoredEmail = old.IgnoredEmail // set apart, by IgnoreEmail
			if ok && old == r {
				continue
			}
			if err := write(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// IgnoreEmail records that the admin set email aside on account of
// targetName: found on the account, it finds no member there. The account's
// member (if a run accepted one) is kept.
func (s *Store) IgnoreEmail(ctx context.Context, runID int64, targetName, account string, email member.Email) error {
	what := fmt.Sprintf("set aside <%s> on %s account %s", email, targetName, account)
	if err := s.writable(what); err != nil {
		return err
	}
	err := func() error {
		if targetName == "" || account == "" || email == "" {
			return fmt.Errorf("target, account and e-mail are required")
		}
		now, err := mustTime(s.clk.Now(), "clock")
		if err != nil {
			return err
		}
		run := runRef(runID)
		_, err = s.db.ExecContext(ctx, `INSERT INTO resolutions (target, account, ignored_email, run_id, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (target, account) DO UPDATE SET ignored_email = excluded.ignored_email, run_id = excluded.run_id, updated_at = excluded.updated_at`,
			targetName, account, string(email), run, now)
		return err
	}()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// ResolutionSince is when a run last accepted who account on targetName
// belongs to (found false: no run did), for "linked how and since when".
func (s *Store) ResolutionSince(ctx context.Context, targetName, account string) (time.Time, bool, error) {
	var raw sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT updated_at FROM resolutions WHERE target = ? AND account = ?`, targetName, account).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: resolution of %s account %s: %w", targetName, account, err)
	}
	at, err := decTime(raw)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: resolution of %s account %s: %w", targetName, account, err)
	}
	return at, true, nil
}
