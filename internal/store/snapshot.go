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
)

const (
	// snapshotFormat versions the JSON below; bump it when a field changes
	// meaning, and decode the old one or treat it as no snapshot.
	snapshotFormat = 1
	// maxSnapshotBytes bounds the decompressed size read back, so a damaged
	// blob cannot exhaust memory (50k members take about 15 MB).
	maxSnapshotBytes = 1 << 30
	membersSide      = "members"
	targetSidePrefix = "target:"
)

// The snapshot types are the stored form, kept apart from the domain types
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
	data, taken, err := s.loadSnapshot(ctx, membersSide)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: members snapshot: %w", err)
	}
	ms, err := decodeMembers(data)
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
	data, taken, err := s.loadSnapshot(ctx, targetSidePrefix+targetName)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: snapshot of target %s: %w", targetName, err)
	}
	as, err := decodeAccounts(data)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: snapshot of target %s: %w", targetName, err)
	}
	return as, taken, nil
}

func (s *Store) saveSnapshot(ctx context.Context, side string, count int, data []byte, takenAt time.Time) error {
	taken, err := mustTime(takenAt, "time taken")
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO snapshots (side, taken_at, count, format, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (side) DO UPDATE SET taken_at = excluded.taken_at, count = excluded.count,
			format = excluded.format, data = excluded.data`, side, taken, count, snapshotFormat, data)
	return err
}

func (s *Store) loadSnapshot(ctx context.Context, side string) ([]byte, time.Time, error) {
	var taken string
	var format int
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT taken_at, format, data FROM snapshots WHERE side = ?`, side).Scan(&taken, &format, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, ErrNoSnapshot
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	if format != snapshotFormat {
		return nil, time.Time{}, fmt.Errorf("format %d is not %d: %w", format, snapshotFormat, ErrNoSnapshot)
	}
	t, err := parseTime(taken)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("taken_at: %w", err)
	}
	return data, t, nil
}

func encodeMembers(ms []member.Member) ([]byte, error) {
	out := make([]memberJSON, len(ms))
	for i, m := range ms {
		j := memberJSON{ID: m.ID, Email: string(m.Email), RawEmail: m.RawEmail, First: m.FirstName, Last: m.LastName,
			Inactive: m.Inactive, Tags: m.Tags, Extra: m.Extra, Problems: m.Problems}
		for _, r := range m.Roles {
			j.Roles = append(j.Roles, roleJSON{Org: r.OrganisationID, Role: r.RoleID, Start: r.Start, End: r.End})
		}
		out[i] = j
	}
	return gzipJSON(out)
}

func decodeMembers(data []byte) ([]member.Member, error) {
	var in []memberJSON
	if err := gunzipJSON(data, &in); err != nil {
		return nil, err
	}
	out := make([]member.Member, len(in))
	for i, j := range in {
		m := member.Member{ID: j.ID, Email: member.Email(j.Email), RawEmail: j.RawEmail, FirstName: j.First,
			LastName: j.Last, Inactive: j.Inactive, Tags: nilIfEmpty(j.Tags), Extra: j.Extra, Problems: nilIfEmpty(j.Problems)}
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

func encodeAccounts(as []target.Account) ([]byte, error) {
	out := make([]accountJSON, len(as))
	for i, a := range as {
		if a.ID == "" {
			return nil, fmt.Errorf("entry %d (%s): account without id", i+1, a.Label())
		}
		out[i] = accountJSON{ID: a.ID, Name: a.Name, Email: string(a.Email), Begin: a.Begin, End: a.End,
			Permanent: a.Permanent, Attrs: a.Attrs, Problems: a.Problems}
	}
	b, err := gzipJSON(out)
	if err != nil {
		// json names neither the account nor the field; find them.
		for i, a := range out {
			if _, e := json.Marshal(a); e != nil {
				return nil, fmt.Errorf("account %s: %w", as[i].Label(), e)
			}
		}
	}
	return b, err
}

func decodeAccounts(data []byte) ([]target.Account, error) {
	var in []accountJSON
	if err := gunzipJSON(data, &in); err != nil {
		return nil, err
	}
	out := make([]target.Account, len(in))
	for i, j := range in {
		a := target.Account{ID: j.ID, Name: j.Name, Email: member.Email(j.Email), Begin: j.Begin, End: j.End,
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

func gzipJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
