package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// LockHolder describes a run that holds (or wants) the database.
type LockHolder struct {
	User string // who started it
	Mode string // "auto", "console", "apply", "watch", …
	// Host and PID default to this machine and process. (Tests set them to
	// play another host or a dead process.)
	Host string
	PID  int
	// PIDNamespace is the holder's PID namespace on Linux ("" elsewhere,
	// or unknown): its pid is checked only from the same one.
	PIDNamespace string
	// Boot and Started tell the holder's process from a later one with
	// the same pid: the host's boot id and the process's start time (Linux;
	// "" elsewhere or unknown, then the pid alone decides).
	Boot    string
	Started string
}

func (h LockHolder) String() string {
	parts := []string{fmt.Sprintf("pid %d on %s", h.PID, h.Host)}
	if h.User != "" {
		parts = append(parts, "user "+h.User)
	}
	if h.Mode != "" {
		parts = append(parts, "mode "+h.Mode)
	}
	return strings.Join(parts, ", ")
}

// LockedError says that another run holds the database. It matches
// ErrLocked with errors.Is.
type LockedError struct {
	Holder    LockHolder
	Since     time.Time // when it took the lock
	Heartbeat time.Time // its last sign of life
	Now       time.Time // when this was checked, to word the message
	// Note explains a refusal the heartbeat alone would not: the holder
	// is silent but its process runs on this host.
	Note string
}

func (e *LockedError) Error() string {
	at := e.Since.Local()
	layout := "15:04:05"
	if y, m, d := at.Date(); !e.Now.IsZero() {
		if ny, nm, nd := e.Now.Local().Date(); ny != y || nm != m || nd != d {
			layout = "2006-01-02 15:04:05"
		}
	}
	msg := fmt.Sprintf("another doorsync run (%s) has held the database since %s", e.Holder, at.Format(layout))
	if e.Note != "" {
		msg += " (" + e.Note + ")"
	}
	return msg
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// StaleLock is a lock this run took over from a holder that was dead or
// silent.
type StaleLock struct {
	Holder    LockHolder
	Since     time.Time
	Heartbeat time.Time
	Reason    string // "pid 4242 is no longer running on gym-box", "no heartbeat for 5m0s"
	RunID     int64  // the run it was doing (now marked abandoned), 0 if none
}

func (s StaleLock) String() string {
	return fmt.Sprintf("took over the database from a run that stopped (%s, since %s): %s",
		s.Holder, s.Since.Local().Format("2006-01-02 15:04:05"), s.Reason)
}

// RunLock is the database's one writer lock, held by this run until
// Release (or the store's Close).
type RunLock struct {
	s      *Store
	token  string
	holder LockHolder
	since  time.Time
	stale  *StaleLock
	lost   chan struct{}
	// lostOnce closes lost: the heartbeat and Check may both find out.
	lostOnce sync.Once
	stop     context.CancelFunc
	stopped  chan struct{}
	once     sync.Once
	err      error
}

// Holder is who this lock names.
func (l *RunLock) Holder() LockHolder { return l.holder }

// Since is when the lock was taken.
func (l *RunLock) Since() time.Time { return l.since }

// TookOver reports the stale lock this one replaced, if any: the caller
// should say so (a previous run died; its journal may need finishing).
func (l *RunLock) TookOver() (StaleLock, bool) {
	if l.stale == nil {
		return StaleLock{}, false
	}
	return *l.stale, true
}

// Lost is closed when the heartbeat or Check finds the lock taken over by
// another run: stop writing.
func (l *RunLock) Lost() <-chan struct{} { return l.lost }

// Release stops the heartbeat and frees the lock. Releasing twice is
// harmless; releasing a lock another run took over returns ErrLockLost.
func (l *RunLock) Release() error {
	l.once.Do(func() {
		l.stop()
		<-l.stopped
		s := l.s
		s.mu.Lock()
		if s.lock == l {
			s.lock = nil
		}
		s.mu.Unlock()
		// The caller may be shutting down on a cancelled context; freeing
		// the lock must still happen.
		ctx, cancel := context.WithTimeout(context.Background(), 2*busyTimeoutMS*time.Millisecond)
		defer cancel()
		res, err := s.db.ExecContext(ctx, `DELETE FROM run_lock WHERE id = 1 AND token = ?`, l.token)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		switch {
		case err != nil:
			l.err = fmt.Errorf("store: release run lock: %w", err)
		case n == 0:
			l.err = fmt.Errorf("store: release run lock: %w", ErrLockLost)
		}
	})
	return l.err
}

// AcquireRunLock takes the database's writer lock for one run, across
// processes and hosts that share the file. If another live run holds it, it
// retries until wait has passed (0: once) and then returns a *LockedError
// naming the holder. A lock whose holder is dead (same host, process gone)
// is taken over; so is one whose holder's liveness cannot be checked
// (another host) and that is silent (no heartbeat for the staleness
// bound). A holder running on this host is never displaced, however old
// its heartbeat. A lock taken over has its run marked abandoned, and
// TookOver reports it.
func (s *Store) AcquireRunLock(ctx context.Context, holder LockHolder, wait time.Duration) (*RunLock, error) {
	if err := s.writable("acquire run lock"); err != nil {
		return nil, err
	}
	if holder.Host == "" {
		holder.Host = s.host
	}
	if holder.PID == 0 {
		holder.PID = s.pid
	}
	if holder.PIDNamespace == "" {
		holder.PIDNamespace = s.pidns
	}
	if holder.Boot == "" {
		holder.Boot = s.boot
	}
	if holder.Started == "" && holder.PID == s.pid {
		holder.Started = s.startOf(s.pid)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	poll := min(500*time.Millisecond, max(wait/10, 10*time.Millisecond))
	for {
		l, err := s.tryLock(ctx, holder)
		if err == nil {
			return l, nil
		}
		var locked *LockedError
		if !errors.As(err, &locked) {
			return nil, fmt.Errorf("store: acquire run lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("store: acquire run lock: %w (%w)", err, ctx.Err())
		case <-deadline.C:
			return nil, err
		case <-time.After(poll):
		}
	}
}

// lockRow is the stored lock.
type lockRow struct {
	token     string
	holder    LockHolder
	runID     sql.NullInt64
	since     time.Time
	heartbeat time.Time
}

func (s *Store) tryLock(ctx context.Context, holder LockHolder) (*RunLock, error) {
	now := s.clk.Now()
	nowText, err := mustTime(now, "clock")
	if err != nil {
		return nil, err
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	var stale *StaleLock
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		cur, found, err := readLock(ctx, tx)
		if err != nil {
			return err
		}
		if found {
			reason := s.staleReason(cur, now)
			if reason == "" {
				le := &LockedError{Holder: cur.holder, Since: cur.since, Heartbeat: cur.heartbeat, Now: now}
				if silent := now.Sub(cur.heartbeat); silent > s.staleAfter {
					le.Note = fmt.Sprintf("its last heartbeat is %s old, but pid %d is running on this host: a live run is never taken over",
						silent.Round(time.Second), cur.holder.PID)
				}
				return le
			}
			stale = &StaleLock{Holder: cur.holder, Since: cur.since, Heartbeat: cur.heartbeat, Reason: reason, RunID: cur.runID.Int64}
			if cur.runID.Valid {
				if _, err := tx.ExecContext(ctx, `UPDATE runs SET outcome = ?, error = ? WHERE id = ? AND outcome = ?`,
					OutcomeAbandoned, "stopped without finishing: "+reason, cur.runID.Int64, OutcomeRunning); err != nil {
					return err
				}
			}
		}
		// Runs start only under the lock: one still "running" when nobody
		// holds it (a process that closed the database under its run)
		// has stopped without finishing.
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET outcome = ?, error = ? WHERE outcome = ?`,
			OutcomeAbandoned, "stopped without finishing: no run held the database any more", OutcomeRunning); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO run_lock (id, token, user, host, pid, pidns, boot_id, pid_start, mode, run_id, started_at, heartbeat_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`, token, holder.User, holder.Host, holder.PID, holder.PIDNamespace,
			holder.Boot, holder.Started, holder.Mode, nowText, nowText)
		return err
	})
	if err != nil {
		return nil, err
	}
	hbCtx, cancel := context.WithCancel(context.Background())
	l := &RunLock{s: s, token: token, holder: holder, since: now, stale: stale,
		lost: make(chan struct{}), stop: cancel, stopped: make(chan struct{})}
	s.mu.Lock()
	s.lock = l
	s.mu.Unlock()
	go l.heartbeat(hbCtx)
	return l, nil
}

func readLock(ctx context.Context, tx *sql.Tx) (lockRow, bool, error) {
	var r lockRow
	var since, hb string
	err := tx.QueryRowContext(ctx, `SELECT token, user, host, pid, pidns, boot_id, pid_start, mode, run_id, started_at, heartbeat_at FROM run_lock WHERE id = 1`).
		Scan(&r.token, &r.holder.User, &r.holder.Host, &r.holder.PID, &r.holder.PIDNamespace, &r.holder.Boot, &r.holder.Started,
			&r.holder.Mode, &r.runID, &since, &hb)
	if errors.Is(err, sql.ErrNoRows) {
		return lockRow{}, false, nil
	}
	if err != nil {
		return lockRow{}, false, fmt.Errorf("read lock: %w", err)
	}
	// A damaged time makes the lock look infinitely old: taken over, not
	// stuck forever.
	r.since, _ = parseTime(since)
	r.heartbeat, _ = parseTime(hb)
	return r, true, nil
}

// staleReason says why the lock's holder is presumed gone, or "" if it may
// be alive.
//
// On this host the process table decides: a holder whose pid is running
// (the same process: same boot, same start time) keeps the lock whatever
// its heartbeat says. A heartbeat ages by a clock
// jump, a suspended VM or a stalled disk as well as by death, and taking
// the lock from a live run makes two writers (issue 11 §2). Only where
// liveness cannot be checked (another host, or a platform that cannot
// tell) does the heartbeat decide.
func (s *Store) staleReason(r lockRow, now time.Time) string {
	// A pid means something only in the process table that wrote it: the
	// same host name and PID namespace (containers may share a name).
	// Another boot id is another boot of this host, or another machine that
	// shares its host name (a cloned VM, containers on two hosts with one
	// fixed name and the same initial PID namespace id): its pid is
	// checked nowhere here, and the heartbeat decides.
	otherBoot := r.holder.Boot != "" && s.boot != "" && r.holder.Boot != s.boot
	if r.holder.Host == s.host && r.holder.PIDNamespace == s.pidns && !otherBoot {
		// A pid now given to a later process names nobody: the run that
		// took the lock has ended.
		if alive, known := s.alive(r.holder.PID); known {
			if !alive {
				return fmt.Sprintf("pid %d is no longer running on %s", r.holder.PID, r.holder.Host)
			}
			if r.holder.Started != "" {
				if now := s.startOf(r.holder.PID); now != "" && now != r.holder.Started {
					return fmt.Sprintf("pid %d on %s is now another process (the run that took the lock has ended)", r.holder.PID, r.holder.Host)
				}
			}
			return ""
		}
	}
	// A heartbeat further in the future than the bound was written by a
	// clock that was ahead (then corrected, or another host's): waiting
	// for this clock to catch up would block every run for as long. The
	// bound assumes hosts sharing the database agree on the time within
	// it, either way.
	if ahead := r.heartbeat.Sub(now); ahead > s.staleAfter {
		return fmt.Sprintf("its last heartbeat is %s in the future (the holder's clock was ahead; bound %s)", ahead.Round(time.Second), s.staleAfter)
	}
	if silent := now.Sub(r.heartbeat); silent > s.staleAfter {
		reason := fmt.Sprintf("no heartbeat for %s (bound %s)", silent.Round(time.Second), s.staleAfter)
		if otherBoot && r.holder.Host == s.host {
			reason += fmt.Sprintf("; pid %d ran under another boot of %s (a restart, or another machine of that name)", r.holder.PID, r.holder.Host)
		}
		return reason
	}
	return ""
}

// heartbeat refreshes the lock until stopped; when the row no longer holds
// this lock's token another run took it over, and Lost is closed.
func (l *RunLock) heartbeat(ctx context.Context) {
	defer close(l.stopped)
	t := time.NewTicker(l.s.heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now, err := mustTime(l.s.clk.Now(), "clock")
		if err != nil {
			continue
		}
		res, err := l.s.db.ExecContext(ctx, `UPDATE run_lock SET heartbeat_at = ? WHERE id = 1 AND token = ?`, now, l.token)
		if err != nil {
			// A busy or briefly unavailable database: try at the next
			// tick; the staleness bound allows for several misses.
			continue
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			l.lostOnce.Do(func() { close(l.lost) })
			return
		}
	}
}

// LockLostError says that the run lock this run held was taken over by
// another run (or is gone): the run must stop writing. It matches
// ErrLockLost with errors.Is.
type LockLostError struct {
	Holder LockHolder // this run, as the lock named it
	By     LockHolder // who holds the lock now; zero if nobody does
	Since  time.Time  // when By took it
	Found  bool       // whether any run holds the lock now
}

func (e *LockLostError) Error() string {
	if !e.Found {
		return fmt.Sprintf("the run lock of this run (%s) was taken away: no run holds the database now; stopped writing, nothing more is sent", e.Holder)
	}
	return fmt.Sprintf("the run lock of this run (%s) was taken over by another doorsync run (%s, since %s); stopped writing, nothing more is sent",
		e.Holder, e.By, e.Since.Local().Format("2006-01-02 15:04:05"))
}

func (e *LockLostError) Is(target error) bool { return target == ErrLockLost }

// Check reports whether this run still holds the lock: nil when the lock
// row still carries its token, a *LockLostError naming who holds it now
// otherwise (and Lost is closed). One indexed read of the one-row table.
func (l *RunLock) Check(ctx context.Context) error {
	return l.check(ctx, l.s.db)
}

// querier is what check reads through: the pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (l *RunLock) check(ctx context.Context, q querier) error {
	var token string
	var by LockHolder
	var since string
	err := q.QueryRowContext(ctx, `SELECT token, user, host, pid, mode, started_at FROM run_lock WHERE id = 1`).
		Scan(&token, &by.User, &by.Host, &by.PID, &by.Mode, &since)
	found := true
	switch {
	case errors.Is(err, sql.ErrNoRows):
		found = false
	case err != nil:
		return fmt.Errorf("store: check run lock: %w", err)
	case token == l.token:
		return nil
	}
	e := &LockLostError{Holder: l.holder, Found: found}
	if found {
		e.By = by
		e.Since, _ = parseTime(since)
	}
	l.lostOnce.Do(func() { close(l.lost) })
	return e
}

// CheckLock is Check of the lock this store holds; nil when it holds none
// (a store used without the run lock: tools, tests of other parts). The
// engine calls it before each chunk of writes and before each write.
func (s *Store) CheckLock(ctx context.Context) error {
	s.mu.Lock()
	l := s.lock
	s.mu.Unlock()
	if l == nil {
		return nil
	}
	return l.Check(ctx)
}

// checkLockTx is CheckLock inside a write transaction, so that what the
// transaction writes is written only while the lock is held.
func (s *Store) checkLockTx(ctx context.Context, tx *sql.Tx) error {
	s.mu.Lock()
	l := s.lock
	s.mu.Unlock()
	if l == nil {
		return nil
	}
	return l.check(ctx, tx)
}

// lockToken is the token of the lock this store holds, or "".
func (s *Store) lockToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return ""
	}
	return s.lock.token
}

// CurrentLock returns who holds the database now, if anyone (for doctor and
// the console's status line).
func (s *Store) CurrentLock(ctx context.Context) (LockHolder, time.Time, bool, error) {
	var h LockHolder
	var since string
	err := s.db.QueryRowContext(ctx, `SELECT user, host, pid, mode, started_at FROM run_lock WHERE id = 1`).
		Scan(&h.User, &h.Host, &h.PID, &h.Mode, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return LockHolder{}, time.Time{}, false, nil
	}
	if err != nil {
		return LockHolder{}, time.Time{}, false, fmt.Errorf("store: read run lock: %w", err)
	}
	t, err := parseTime(since)
	if err != nil {
		return LockHolder{}, time.Time{}, false, fmt.Errorf("store: read run lock: started_at: %w", err)
	}
	return h, t, true, nil
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("lock token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
