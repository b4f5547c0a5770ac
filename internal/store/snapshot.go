package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/textclean"
)

const (
	// snapshotFormat is the format written (snapbin.go); bump it when a
	// field changes meaning, and decode the old one or treat it as no
	// snapshot. Format 1, gzipped JSON (below), is still read.
	snapshotFormat = 2
	formatJSON     = 1
	// maxSnapshotBytes bounds the decompressed size read back, so a damaged
	// blob cannot exhaust memory (50k members take about 15 MB as JSON).
	maxSnapshotBytes = 1 << 30
	membersSide      = "members"
	targetSidePrefix = "target:"
)

// The format-1 types are the stored form, kept apart from the domain types
// so that renaming a Go field cannot silently change the file format.
type memberJSON struct {
	ID       string     `json:"id,omitempty"`
	Email    string     `json:"email,omitempty"`
	RawEmail string     `json:"raw_email,omitempty"`
	First    string     `json:"first,omitempty"`
	Last     string     `json:"last,omitempty"`
	Inactive bool       `json:"inactive,omitempty"`
	Roles    []roleJSON `json:"roles,omitempty"`
	Tags     []string   `json:"tags,omitempty"`
	Extra    [3]string  `json:"extra,omitzero"`
	Problems []string   `json:"problems,omitempty"`
}

type roleJSON struct {
	Org   int         `json:"org"`
	Role  int         `json:"role"`
	Start member.Date `json:"start,omitzero"`
	End   member.Date `json:"end,omitzero"`
}

type accountJSON struct {
	ID        string            `json:"id"`
	Name      string            `json:"name,omitempty"`
	Email     string            `json:"email,omitempty"`
	Begin     time.Time         `json:"begin,omitzero"`
	End       time.Time         `json:"end,omitzero"`
	Permanent bool              `json:"permanent,omitempty"`
	Attrs     map[string]string `json:"attrs,omitempty"`
	Problems  []string          `json:"problems,omitempty"`
}

// SaveMembers replaces the snapshot of the source side. Empty and nil
// slices and maps read back as nil.
func (s *Store) SaveMembers(ctx context.Context, members []member.Member, takenAt time.Time) error {
	if err := s.writable("save members snapshot"); err != nil {
		return err
	}
	data, err := encodeMembers(members)
	if err == nil {
		err = s.saveSnapshot(ctx, membersSide, len(members), data, takenAt)
	}
	if err != nil {
		return fmt.Errorf("store: save snapshot of %d members: %w", len(members), err)
	}
	return nil
}

// Members returns the last saved source snapshot and when it was taken;
// ErrNoSnapshot if none was saved.
func (s *Store) Members(ctx context.Context) ([]member.Member, time.Time, error) {
	data, format, taken, err := s.loadSnapshot(ctx, membersSide)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: members snapshot: %w", err)
	}
	decode := decodeMembers
	if format == formatJSON {
		decode = decodeMembersJSON
	}
	ms, err := decode(data)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: members snapshot: %w", err)
	}
	return ms, taken, nil
}

// SaveAccounts replaces the snapshot of one target's accounts.
func (s *Store) SaveAccounts(ctx context.Context, targetName string, accounts []target.Account, takenAt time.Time) error {
	if err := s.writable(fmt.Sprintf("save snapshot of target %s", targetName)); err != nil {
		return err
	}
	if targetName == "" {
		return fmt.Errorf("store: save accounts snapshot: target name is missing")
	}
	data, err := encodeAccounts(accounts)
	if err == nil {
		err = s.saveSnapshot(ctx, targetSidePrefix+targetName, len(accounts), data, takenAt)
	}
	if err != nil {
		return fmt.Errorf("store: save snapshot of %d accounts of target %s: %w", len(accounts), targetName, err)
	}
	return nil
}

// Accounts returns the last saved snapshot of a target and when it was
// taken; ErrNoSnapshot if none was saved.
func (s *Store) Accounts(ctx context.Context, targetName string) ([]target.Account, time.Time, error) {
	data, format, taken, err := s.loadSnapshot(ctx, targetSidePrefix+targetName)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: snapshot of target %s: %w", targetName, err)
	}
	decode := decodeAccounts
	if format == formatJSON {
		decode = decodeAccountsJSON
	}
	as, err := decode(data)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: snapshot of target %s: %w", targetName, err)
	}
	return as, taken, nil
}

func (s *Store) saveSnapshot(ctx context.Context, side string, count int, data []byte, takenAt time.Time) error {
	return s.putSnapshot(ctx, side, count, snapshotFormat, data, takenAt)
}

// putSnapshot replaces a side's row in one statement: a reader sees the old
// row or the new one, never a mix. Format numbers are the side's own.
func (s *Store) putSnapshot(ctx context.Context, side string, count, format int, data []byte, takenAt time.Time) error {
	taken, err := mustTime(takenAt, "time taken")
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO snapshots (side, taken_at, count, format, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (side) DO UPDATE SET taken_at = excluded.taken_at, count = excluded.count,
			format = excluded.format, data = excluded.data`, side, taken, count, format, data)
	return err
}

// loadSnapshot returns a side's blob and its format (one this binary
// reads: else ErrNoSnapshot).
func (s *Store) loadSnapshot(ctx context.Context, side string) ([]byte, int, time.Time, error) {
	var taken string
	var format int
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT taken_at, format, data FROM snapshots WHERE side = ?`, side).Scan(&taken, &format, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, time.Time{}, ErrNoSnapshot
	}
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	if format != snapshotFormat && format != formatJSON {
		return nil, 0, time.Time{}, fmt.Errorf("format %d is neither %d nor %d: %w", format, snapshotFormat, formatJSON, ErrNoSnapshot)
	}
	t, err := parseTime(taken)
	if err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("taken_at: %w", err)
	}
	return data, format, t, nil
}

// decodeMembersJSON reads format 1.
func decodeMembersJSON(data []byte) ([]member.Member, error) {
	var in []memberJSON
	if err := gunzipJSON(data, &in); err != nil {
		return nil, err
	}
	out := make([]member.Member, len(in))
	for i, j := range in {
		// Names written raw by an earlier version are cleaned as they are read.
		m := member.Member{ID: j.ID, Email: member.Email(j.Email), RawEmail: j.RawEmail, FirstName: textclean.Clean(j.First),
			LastName: textclean.Clean(j.Last), Inactive: j.Inactive, Tags: nilIfEmpty(j.Tags), Extra: j.Extra, Problems: nilIfEmpty(j.Problems)}
		if j.Email != "" {
			// The key of everything: a damaged one must not join the wrong accounts.
			if norm, err := member.NormalizeEmail(j.Email); err != nil || string(norm) != j.Email {
				return nil, fmt.Errorf("entry %d (%s): e-mail %q is not a normalised address", i+1, m.Label(), j.Email)
			}
		}
		for _, r := range j.Roles {
			m.Roles = append(m.Roles, member.Role{OrganisationID: r.Org, RoleID: r.Role, Start: r.Start, End: r.End})
		}
		out[i] = m
	}
	return out, nil
}

// decodeAccountsJSON reads format 1.
func decodeAccountsJSON(data []byte) ([]target.Account, error) {
	var in []accountJSON
	if err := gunzipJSON(data, &in); err != nil {
		return nil, err
	}
	out := make([]target.Account, len(in))
	for i, j := range in {
		a := target.Account{ID: j.ID, Name: textclean.Clean(j.Name), Email: member.Email(j.Email), Begin: j.Begin, End: j.End,
			Permanent: j.Permanent, Attrs: j.Attrs, Problems: nilIfEmpty(j.Problems)}
		if len(a.Attrs) == 0 {
			a.Attrs = nil
		}
		if j.ID == "" {
			return nil, fmt.Errorf("entry %d: account without id", i+1)
		}
		if j.Email != "" {
			if norm, err := member.NormalizeEmail(j.Email); err != nil || string(norm) != j.Email {
				return nil, fmt.Errorf("account %s: e-mail %q is not a normalised address", a.Label(), j.Email)
			}
		}
		out[i] = a
	}
	return out, nil
}

// gunzipJSON decodes one JSON value from a gzip blob, refusing trailing data
// and anything decompressing beyond maxSnapshotBytes.
func gunzipJSON(data []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("damaged snapshot: %w", err)
	}
	lr := &io.LimitedReader{R: zr, N: maxSnapshotBytes + 1}
	dec := json.NewDecoder(lr)
	if err := dec.Decode(v); err != nil {
		if lr.N <= 0 {
			return fmt.Errorf("damaged snapshot: larger than %d bytes", maxSnapshotBytes)
		}
		return fmt.Errorf("damaged snapshot: %w", err)
	}
	// Read to the end so the gzip checksum is verified, and nothing follows.
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		if err == nil {
			return fmt.Errorf("damaged snapshot: data after the value")
		}
		return fmt.Errorf("damaged snapshot: %w", err)
	}
	if lr.N <= 0 {
		return fmt.Errorf("damaged snapshot: larger than %d bytes", maxSnapshotBytes)
	}
	return nil
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
