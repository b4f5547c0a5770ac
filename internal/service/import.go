package service

import (
	"context"
	"fmt"
	"os"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/identity/ivms"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// ReadExport reads an iVMS-4200 person export (CSV or XLSX); a parse error
// names the file.
func ReadExport(path string) (ivms.ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return ivms.ImportResult{}, err
	}
	defer f.Close()
	res, err := ivms.ReadExport(f, path)
	if err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// ImportRequest is one import of an iVMS-4200 export: `links import` and
// the console's import are this one flow.
type ImportRequest struct {
	Export ivms.ImportResult
	// Read are the targets as last read (the console): no network, and the
	// links are pinned to the members of the stored snapshot the console
	// shows. Nil: every configured target and Cardskipper are read now
	// (links import).
	Read []plan.TargetState
	// Only, when set, imports to this target only.
	Only string
	// DryRun stores nothing.
	DryRun bool
}

// ImportReport is what an import did (or, dry, would do).
type ImportReport struct {
	// MembersNote says which members the links were pinned to when they
	// are not Cardskipper's of now ("" when they are).
	MembersNote string
	// MembersErr: no members could be read, the links are not pinned
	// (they match by e-mail until a run accepts them).
	MembersErr error
	Targets    []ImportedTarget
}

// ImportedTarget is what an import did on one target.
type ImportedTarget struct {
	Target string
	// Err is set when the target was not read: nothing was imported to it.
	Err       error
	Added     []identity.Link // stored, or with DryRun would be
	Unchanged int
	Skipped   []ivms.Skip // in file order
	// PinNotes name the links that could not be pinned to one member.
	PinNotes []string
}

// Import stores, for every target (or the one asked for), the links the
// export adds to its accounts (ivms.PlanImport), each pinned to the one
// member with its e-mail. Links are recorded as made by the service's
// user. On an error after some links were stored, the report says what
// was done so far.
func (s *Service) Import(ctx context.Context, req ImportRequest) (ImportReport, error) {
	var rep ImportReport
	existing, err := s.store.Links(ctx)
	if err != nil {
		return rep, err
	}
	read := req.Read
	var members []member.Member
	if read == nil {
		read = s.readTargets(ctx, req.Only)
		members, rep.MembersNote, rep.MembersErr = s.session.eng.CurrentMembers(ctx)
	} else {
		// What the console shows was planned from the stored snapshot.
		var serr error
		if members, _, serr = s.store.Members(ctx); serr != nil {
			rep.MembersErr = fmt.Errorf("stored members: %w", serr)
		}
	}
	for _, ts := range read {
		name := ts.Info.Name
		if req.Only != "" && name != req.Only {
			continue
		}
		it := ImportedTarget{Target: name, Err: ts.Err}
		if ts.Err != nil {
			rep.Targets = append(rep.Targets, it)
			continue
		}
		ip := ivms.PlanImport(req.Export, name, ts.Accounts, existing, s.clock.Now(), s.user)
		if rep.MembersErr == nil {
			it.PinNotes = engine.PinMembers(ip.Add, members)
		}
		it.Unchanged, it.Skipped = len(ip.Unchanged), ip.Skipped
		for _, l := range ip.Add {
			if !req.DryRun {
				if err := s.store.AddLink(ctx, l); err != nil {
					rep.Targets = append(rep.Targets, it)
					return rep, fmt.Errorf("%s: after %d links: %w", name, len(it.Added), err)
				}
			}
			it.Added = append(it.Added, l)
		}
		rep.Targets = append(rep.Targets, it)
	}
	return rep, nil
}

// readTargets reads the accounts of the session's targets (only: that one),
// one after another, each within the retry policy.
func (s *Service) readTargets(ctx context.Context, only string) []plan.TargetState {
	var out []plan.TargetState
	for _, t := range s.session.clients.reading() {
		name := t.Info().Name
		if only != "" && name != only {
			continue
		}
		var accounts []target.Account
		err := s.session.eng.Try(ctx, name, 0, func() error {
			var err error
			accounts, err = t.Inventory(ctx, func(target.Progress) {})
			return err
		})
		out = append(out, plan.TargetState{Info: t.Info(), Accounts: accounts, Err: err})
	}
	return out
}

// skipsKept bounds the skip reasons an import reports per target to the
// console: it shows the first few, and a file of 100,000 bad rows must not
// be copied whole into the screen's model.
const skipsKept = 100

// ImportLinks reads an iVMS-4200 export and imports it against the
// targets as the console read them (Import): no network.
func (s *Service) ImportLinks(ctx context.Context, path string, read []plan.TargetState) (backend.ImportSummary, error) {
	sum := backend.ImportSummary{Path: path}
	res, err := ReadExport(path)
	if err != nil {
		return sum, err
	}
	sum.Format, sum.Rows = res.Format, len(res.Rows)+len(res.Skipped)
	if read == nil {
		read = []plan.TargetState{} // never the network
	}
	rep, err := s.Import(ctx, ImportRequest{Export: res, Read: read})
	for _, t := range rep.Targets {
		it := backend.ImportTarget{Target: t.Target, Linked: len(t.Added), Unchanged: t.Unchanged, Skipped: len(t.Skipped)}
		if t.Err != nil {
			it.Err = fmt.Sprintf("not read (%v); refresh, then import again", t.Err)
		}
		for _, sk := range t.Skipped[:min(len(t.Skipped), skipsKept)] {
			it.Skips = append(it.Skips, sk.String())
		}
		sum.Targets = append(sum.Targets, it)
	}
	return sum, err
}
