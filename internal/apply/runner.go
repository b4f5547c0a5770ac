package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// DefaultBatch is how many accounts one read covers (Hikvision's
// EmployeeNoList maximum); chunks of writes are read back together.
const DefaultBatch = 30

// Runner applies the write items of a plan to the targets: batched re-read,
// journal before each write, read-back, retries within a budget.
type Runner struct {
	Targets  map[string]target.Target
	Recorder Recorder
	RunID    int64
	Retry    Retry
	// Retries are the run's budgets when the run already spent some (the
	// inventory); nil: fresh ones from Retry.
	Retries  *Retries
	Batch    int         // accounts per read (default DefaultBatch)
	Progress func(Event) // may be nil; called from the workers
	// Recheck, when set, is asked about each item before it is written,
	// with its account as re-read just before (the read that detects a
	// changed end: no request of its own). A non-nil error skips the item
	// as Stale with that error: a saved plan whose account no longer
	// belongs to the item's member. Called from the workers.
	Recheck func(it plan.Item, acc target.Account) error
	// Holding, when set, is asked whether this run still holds the
	// database's run lock: before each chunk and before each write request
	// (retries included). A non-nil error (the lock was taken over by
	// another run) stops every target: nothing more is sent, not even a
	// read-back; the items not written are Skipped with that error, writes
	// already sent stay open in the journal for the next run to read back,
	// and Run returns the error. Called from the workers.
	Holding func(ctx context.Context) error
}

// Run applies the write items (extend, reactivate, shorten, revoke) and
// returns one result per item, in the order given. Items of other kinds are
// ignored. Cancelling ctx stops after the chunk in flight: its requests
// complete and are recorded, the rest are Skipped.
//
// The returned error is a recording failure (the database), which the caller
// must treat as fatal for the run; target failures are in the results.
func (e *Runner) Run(ctx context.Context, items []plan.Item) ([]Result, error) {
	byTarget := map[string][]int{}
	var order []string
	for i, it := range items {
		if !it.Kind.Writes() {
			continue
		}
		if _, ok := byTarget[it.Target]; !ok {
			order = append(order, it.Target)
		}
		byTarget[it.Target] = append(byTarget[it.Target], i)
	}
	results := make([]Result, len(items))
	for i, it := range items {
		results[i] = Result{Item: it, Status: Skipped}
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		recErr error
	)
	retries := e.Retries
	if retries == nil {
		retries = e.Retry.Start()
	}
	for _, name := range order {
		idx := byTarget[name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{e: e, retries: retries, name: name, total: len(idx)}
			w.batch = e.Batch
			if w.batch <= 0 {
				w.batch = DefaultBatch
			}
			// A target that reads and writes in larger batches (NEYROSS
			// upserts) gets chunks of its own size.
			if b, ok := e.Targets[name].(interface{ Batch() int }); ok && b.Batch() > w.batch {
				w.batch = b.Batch()
			}
			sub := make([]plan.Item, len(idx))
			for j, i := range idx {
				sub[j] = items[i]
			}
			res, err := w.run(ctx, e.Targets[name], sub)
			mu.Lock()
			defer mu.Unlock()
			for j, i := range idx {
				results[i] = res[j]
			}
			if err != nil && recErr == nil {
				recErr = err
			}
		}()
	}
	wg.Wait()
	return results, recErr
}

type worker struct {
	e       *Runner
	retries *Retries
	// runCtx is the caller's context. Requests of the chunk in flight are
	// sent on one that cannot be cancelled (they complete and are read
	// back), but whether to try again is asked of this one: after a
	// cancel nothing is retried.
	runCtx context.Context
	name   string
	batch  int
	total  int
	done   int
	// lost is Holding's error once it said the run lost its lock: nothing
	// more is sent.
	lost error
	sent int // write requests let out (Event.Sent)
}

// holding asks Runner.Holding; once it failed, the worker stops sending.
func (w *worker) holding(ctx context.Context) error {
	if w.lost != nil {
		return w.lost
	}
	if w.e.Holding == nil {
		return nil
	}
	// A cancel is not a lost lock: the check itself is never cancelled.
	if err := w.e.Holding(context.WithoutCancel(ctx)); err != nil {
		w.lost = err
		return err
	}
	return nil
}

func (w *worker) emit(ev Event) {
	if w.e.Progress == nil {
		return
	}
	ev.Target, ev.Done, ev.Total = w.name, w.done, w.total
	w.e.Progress(ev)
}

// finish sets the final result, records it and reports it.
func (w *worker) finish(ctx context.Context, res *Result) error {
	w.done++
	err := w.e.Recorder.Record(ctx, w.e.RunID, *res)
	r := *res
	w.emit(Event{Phase: PhaseWrite, Result: &r})
	if err != nil {
		return fmt.Errorf("record item %s on %s: %w", res.Item.ID, w.name, err)
	}
	return nil
}

func (w *worker) run(ctx context.Context, t target.Target, items []plan.Item) ([]Result, error) {
	res := make([]Result, len(items))
	all := make([]int, len(items))
	for i, it := range items {
		res[i] = Result{Item: it, Status: Skipped}
		all[i] = i
	}
	defer w.emit(Event{Phase: PhaseDone})
	if t == nil {
		err := fmt.Errorf("target %s is not configured", w.name)
		return w.failAll(ctx, res, Failed, err)
	}
	for start := 0; start < len(all); start += w.batch {
		if ctx.Err() != nil {
			return w.settleRest(ctx, res, all[start:], Cancelled, errCancelledBeforeSent(ctx))
		}
		chunk := all[start:min(start+w.batch, len(all))]
		if err := w.holding(ctx); err != nil {
			// Another run holds the database now: this one sends nothing
			// more.
			w.emit(Event{Phase: PhaseWrite, Err: err})
			w.settleRest(ctx, res, all[start:], Skipped, err)
			return res, err
		}
		// The chunk's requests go out on a context a cancel does not end,
		// so the one in flight completes and is read back; the send gate
		// (sendGate) keeps the rest of the chunk from being sent, and
		// nothing is retried (worker.runCtx).
		w.runCtx = ctx
		stop, err := w.chunk(context.WithoutCancel(ctx), t, items, res, chunk)
		if err != nil {
			if w.lost != nil {
				// The chunk's items are settled; the rest are not sent.
				w.emit(Event{Phase: PhaseWrite, Err: err})
				w.settleRest(ctx, res, all[start+len(chunk):], Skipped, err)
			}
			return res, err
		}
		if stop != nil && !w.cancelled() {
			w.emit(Event{Phase: PhaseWrite, Err: stop})
			return w.settleRest(ctx, res, all[start+len(chunk):], Skipped, stop)
		}
		// Stopped meanwhile: the loop's next turn cancels the rest,
		// whatever made the chunk give up (its retries were cut short).
	}
	return res, nil
}

// chunk re-reads, journals, writes, reads back and records up to one batch
// of items. Reading just before writing keeps the window in which a change
// on the terminal could be overwritten short. It returns a non-nil stop
// error when the target must not be used further in this run.
func (w *worker) chunk(ctx context.Context, t target.Target, items []plan.Item, res []Result, chunk []int) (stop, recErr error) {
	sub := make([]plan.Item, len(chunk))
	for j, i := range chunk {
		sub[j] = items[i]
	}
	w.emit(Event{Phase: PhaseRead})
	before, err := w.lookup(ctx, t, accountsOf(sub))
	if err != nil {
		// The target cannot be read (after retries): nothing of this chunk
		// is written, and the rest of the target's items are not tried.
		// Cancelled meanwhile: nothing was written, the items are skipped.
		st, why, stop := Failed, fmt.Errorf("re-read before writing: %w", err), err
		if w.cancelled() {
			// Not the target's fault: the rest are cancelled, not skipped
			// for a stopped target (run settles them).
			st, why, stop = Cancelled, errCancelledBeforeSent(w.runCtx), nil
		}
		for _, i := range chunk {
			res[i].Status, res[i].Err = st, why
			if rerr := w.finish(ctx, &res[i]); rerr != nil {
				return stop, rerr
			}
		}
		return stop, nil
	}
	if w.cancelled() {
		// Stopped while the accounts were read: nothing of the chunk is
		// sent.
		_, err := w.settleRest(ctx, res, chunk, Cancelled, errCancelledBeforeSent(w.runCtx))
		return nil, err
	}
	type pending struct {
		i       int
		journal int64
	}
	var live []pending
	for _, i := range chunk {
		it := items[i]
		acc, ok := before[it.Account]
		var notTheirs error
		if ok && w.e.Recheck != nil {
			notTheirs = w.e.Recheck(it, acc)
		}
		switch {
		case !ok:
			res[i].Status = Failed
			res[i].Err = &target.Error{Class: target.NotFound, Target: w.name, Op: "re-read " + it.Account, Message: "account is no longer on the target"}
		case notTheirs != nil:
			res[i].Status, res[i].Before, res[i].Err = Stale, acc.End, notTheirs
		case changedSincePlanning(acc, it):
			res[i].Status = Stale
			res[i].Before = acc.End
			res[i].Err = fmt.Errorf("account %s changed since planning: it now holds %s, the plan saw %s", it.Account, describeEnd(acc.End, acc.Permanent), describeEnd(it.CurrentEnd.Time, it.Permanent))
		default:
			res[i].Before = acc.End
			id, err := w.e.Recorder.OpenIntent(ctx, Intent{RunID: w.e.RunID, ItemID: it.ID, Target: w.name, Account: it.Account,
				Before: acc.End, Want: it.DesiredEnd.Time})
			if err != nil {
				// Nothing is written that is not journalled first.
				err = fmt.Errorf("journal item %s on %s: %w", it.ID, w.name, err)
				if lost := w.holding(ctx); lost != nil {
					// The journal refused because the lock is gone (the
					// store checks it in the same transaction): the
					// chunk's items are not sent; those journalled
					// already stay open for the next run.
					return nil, w.notSent(ctx, res, chunk, lost)
				}
				return nil, err
			}
			live = append(live, pending{i, id})
			continue
		}
		if err := w.finish(ctx, &res[i]); err != nil {
			return nil, err
		}
	}
	if len(live) == 0 {
		return nil, nil
	}
	updates := make([]target.Update, len(live))
	for j, p := range live {
		updates[j] = target.Update{Account: before[items[p.i].Account], End: items[p.i].DesiredEnd.Time}
	}
	w.emit(Event{Phase: PhaseWrite})
	errs, attempts := w.write(ctx, t, updates)
	if w.lost != nil {
		// The lock was lost before the writes (or a retry of them) were
		// sent: what was sent is not read back (nothing more is sent) and
		// its journal entry stays open for the next run.
		for j, p := range live {
			res[p.i].Attempts = attempts[j]
			if attempts[j] > 0 {
				res[p.i].Status, res[p.i].Err = Failed, fmt.Errorf("sent but not confirmed: %w; the next run reads it back", w.lost)
			}
		}
		return nil, w.notSent(ctx, res, chunk, w.lost)
	}
	if w.cancelled() {
		// Stopped while writing: what never left is cancelled (its journal
		// entry closes, nothing was written); what was sent is read back.
		sent := live[:0:0]
		var sentErrs []error
		var sentAttempts []int
		for j, p := range live {
			if attempts[j] > 0 {
				sent, sentErrs, sentAttempts = append(sent, p), append(sentErrs, errs[j]), append(sentAttempts, attempts[j])
				continue
			}
			res[p.i].Status, res[p.i].Err = Cancelled, errCancelledBeforeSent(w.runCtx)
			if err := w.e.Recorder.CloseIntent(ctx, p.journal, res[p.i]); err != nil {
				return nil, fmt.Errorf("close journal of item %s on %s: %w", items[p.i].ID, w.name, err)
			}
			if err := w.finish(ctx, &res[p.i]); err != nil {
				return nil, err
			}
		}
		live, errs, attempts = sent, sentErrs, sentAttempts
		if len(live) == 0 {
			return nil, nil
		}
	}
	var spent error // the target's retry budget ran out, or it stopped answering
	for j, p := range live {
		res[p.i].Attempts = attempts[j]
		if errs[j] != nil {
			res[p.i].Status, res[p.i].Err = Failed, errs[j]
			var ex *backoff.ExhaustedError
			switch {
			case target.ClassOf(errs[j]) == target.Auth || errors.Is(errs[j], target.ErrStopped):
				stop = errs[j]
			case errors.As(errs[j], &ex) && spent == nil:
				spent = errs[j]
			}
		}
	}
	// Read back every item, failed ones too: a write that timed out or got
	// an unclear answer may have been made, and the history must say what
	// the terminal really holds. A stopped target cannot be read: its
	// unconfirmed writes stay open in the journal for the next run.
	open := map[int]bool{}
	if stop == nil {
		w.emit(Event{Phase: PhaseVerify})
		ids := make([]string, len(live))
		for j, p := range live {
			ids[j] = items[p.i].Account
		}
		after, err := w.lookup(ctx, t, ids)
		maxEnd := t.Info().MaxEnd
		for j, p := range live {
			w.verify(&res[p.i], after, err, open, p.i, maxEnd)
			if w.cancelled() && err == nil && res[p.i].Status == Failed && !open[p.i] && retryable(errs[j]) {
				// Sent, refused for now (busy, no answer) and not sent
				// again because the operator stopped the run: not
				// written, and not a failure.
				res[p.i].Status = Cancelled
				res[p.i].Err = fmt.Errorf("not written (%w); %w", errs[j], StopError(w.runCtx, "not sent again: the run was stopped"))
			}
		}
		if err != nil && target.ClassOf(err) == target.Auth {
			stop = err
		}
		if stop == nil && spent != nil {
			// The rest of the target's items would each pay a first
			// round of requests it cannot answer: not tried this run.
			stop = fmt.Errorf("not attempted: %w", spent)
		}
	} else {
		for _, p := range live {
			if res[p.i].Err == nil {
				res[p.i].Status, res[p.i].Err = Failed, fmt.Errorf("written but not confirmed (the target stopped); the next run reads it back")
				open[p.i] = true
			}
		}
	}
	for _, p := range live {
		if !open[p.i] {
			if err := w.e.Recorder.CloseIntent(ctx, p.journal, res[p.i]); err != nil && !w.refusedForLostLock(ctx) {
				return stop, fmt.Errorf("close journal of item %s on %s: %w", items[p.i].ID, w.name, err)
			}
		}
		if err := w.finish(ctx, &res[p.i]); err != nil && !w.refusedForLostLock(ctx) {
			return stop, err
		}
	}
	if w.lost != nil {
		// The chunk is settled as far as this run may record it; nothing
		// more is sent.
		return stop, w.lost
	}
	return stop, nil
}

// refusedForLostLock tells whether a recording failure is the store
// refusing a run that lost its lock (it keeps the journal and what was
// written for the run that holds the database now): the chunk's results
// are still settled, its journal entries stay open for that run to read
// back, and the worker stops. Any other recording failure is fatal.
func (w *worker) refusedForLostLock(ctx context.Context) bool {
	return w.holding(ctx) != nil
}

// verify settles one item from the read-back; maxEnd is the target's
// latest end (plan.EndHeld).
func (w *worker) verify(r *Result, after map[string]target.Account, readErr error, open map[int]bool, i int, maxEnd time.Time) {
	want := r.Item.DesiredEnd.Time
	acc, ok := after[r.Item.Account]
	switch {
	case readErr != nil:
		if r.Err == nil {
			r.Status, r.Err = Failed, fmt.Errorf("written but not confirmed: read-back failed: %w; the next run reads it back", readErr)
			open[i] = true
		}
	case !ok:
		r.Status, r.Err = Failed, fmt.Errorf("the account is gone on read-back")
	case !acc.Permanent && plan.EndHeld(acc.End, want, maxEnd):
		// Confirmed, even if the write's answer was an error (a timeout
		// after the terminal had saved it).
		r.Status, r.After, r.Err = Applied, acc.End, nil
		if !acc.End.Equal(want) {
			r.Item.Reason += fmt.Sprintf("; written a day below the target's maximum (%s): it refuses the maximum itself",
				acc.End.In(want.Location()).Format(time.DateTime))
		}
	default:
		r.After = acc.End
		if r.Err == nil {
			r.Status = Failed
			r.Err = fmt.Errorf("read-back shows %s, wanted %s", describeEnd(acc.End, acc.Permanent), describeEnd(want, false))
		}
	}
}

// write sends the updates and sends again those that failed retryably,
// within the target's budget. Each call sends only what is still open, so
// a busy burst costs the updates it hit, not the whole chunk.
func (w *worker) write(ctx context.Context, t target.Target, updates []target.Update) ([]error, []int) {
	errs := make([]error, len(updates))
	attempts := make([]int, len(updates))
	open := make([]int, len(updates))
	for i := range open {
		open[i] = i
	}
	tries := w.retries.Budget(w.name).Begin()
	defer tries.Done()
	for len(open) > 0 {
		if w.mayNotSend(ctx) != nil {
			// Not sent: the caller settles the items.
			break
		}
		batch := make([]target.Update, len(open))
		for j, i := range open {
			batch[j] = updates[i]
		}
		// The target asks again before each of its requests: a lock
		// taken over in the middle of the batch stops the rest of it.
		got := t.Write(target.WithSendGate(ctx, w.sendGate), batch)
		var again []int
		answered, progressed := false, false
		for j, i := range open {
			var err error
			if j < len(got) {
				err = got[j]
			} else {
				// A target bug, not a passing fault: not sent again.
				err = &target.Error{Class: target.Permanent, Target: w.name, Op: "write",
					Message: fmt.Sprintf("returned %d results for %d updates", len(got), len(batch))}
			}
			errs[i] = err
			if !errors.Is(err, target.ErrNotSent) {
				attempts[i]++ // sent: one of its attempts
			}
			progressed = progressed || err == nil
			if v := Classify(err); v != backoff.Stop {
				again = append(again, i)
				answered = answered || v == backoff.Again
			}
		}
		if progressed {
			tries.Progress()
		}
		if len(again) == 0 {
			break
		}
		// The chunk counts as answered when any of its updates got an answer.
		verdict := backoff.AgainSilent
		if answered {
			verdict = backoff.Again
		}
		ok, final := tries.Again(w.retryContext(ctx), errs[again[0]], verdict)
		if !ok {
			// The reason for giving up (budget spent, no answer) goes on
			// every update left.
			var ex *backoff.ExhaustedError
			if errors.As(final, &ex) {
				for _, i := range again {
					e := *ex
					e.Err = errs[i]
					errs[i] = &e
				}
			}
			break
		}
		open = again
	}
	return errs, attempts
}

// retryContext is what decides whether to try again: the caller's context
// while a run is in progress, so that a cancel stops the retries of the
// chunk in flight (its requests complete on ctx).
func (w *worker) retryContext(ctx context.Context) context.Context {
	if w.runCtx != nil {
		return w.runCtx
	}
	return ctx
}

// cancelled reports whether the caller cancelled the run.
func (w *worker) cancelled() bool { return w.runCtx != nil && w.runCtx.Err() != nil }

// sendGate is what a target asks before each request that changes it
// (target.CheckSend): the operator has not stopped the run, and the run
// still holds its lock. A cancel thus stops a chunk between two requests:
// the one in flight completes and is read back, the rest are cancelled.
func (w *worker) sendGate(ctx context.Context) error {
	if err := w.mayNotSend(ctx); err != nil {
		return err
	}
	w.sent++
	w.emit(Event{Phase: PhaseWrite, Sent: w.sent})
	return nil
}

// mayNotSend says why nothing more may be sent: the run was stopped, or
// lost its lock (nil: it may send).
func (w *worker) mayNotSend(ctx context.Context) error {
	if w.cancelled() {
		return errCancelledBeforeSent(w.runCtx)
	}
	return w.holding(ctx)
}

// errCancelledBeforeSent is why an item was not sent: the run was
// stopped. It says so in the operator's words and wraps the context's
// cause (context.Canceled, or the cause given) for errors.Is.
func errCancelledBeforeSent(ctx context.Context) error {
	return StopError(ctx, "cancelled before it was sent")
}

// StopError is what, said of an item the stop of ctx's run kept from
// being sent; errors.Is finds the context's cause in it.
func StopError(ctx context.Context, what string) error {
	return stopped{what: what, cause: context.Cause(ctx)}
}

// stopped is an item's error when the run was stopped: its text is what
// the history and the console show ("…: context canceled" was noise).
type stopped struct {
	what  string
	cause error
}

func (e stopped) Error() string {
	if e.cause == nil || errors.Is(e.cause, context.Canceled) {
		return e.what
	}
	return e.what + " (" + e.cause.Error() + ")"
}

func (e stopped) Unwrap() error { return e.cause }

// retryable: err is a refusal that would have been sent again (busy, no
// answer), not a definitive one.
func retryable(err error) bool {
	return err != nil && (errors.Is(err, target.ErrNotSent) || Classify(err) != backoff.Stop)
}

// lookup reads accounts, trying again within the target's budget.
func (w *worker) lookup(ctx context.Context, t target.Target, ids []string) (map[string]target.Account, error) {
	var got map[string]target.Account
	_, err := w.retries.Do(w.retryContext(ctx), w.name, func() error {
		var err error
		got, err = t.Lookup(ctx, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// notSent settles the chunk's items not yet settled as Skipped with why
// (the lock was lost), records them, and returns why.
func (w *worker) notSent(ctx context.Context, res []Result, chunk []int, why error) error {
	for _, i := range chunk {
		if res[i].Status != Skipped || res[i].Err != nil {
			if res[i].Status == Failed && res[i].Attempts > 0 {
				_ = w.finish(ctx, &res[i])
			}
			continue
		}
		res[i].Err = fmt.Errorf("not sent: %w", why)
		_ = w.finish(ctx, &res[i])
	}
	return why
}

func (w *worker) failAll(ctx context.Context, res []Result, st Status, err error) ([]Result, error) {
	for i := range res {
		res[i].Status, res[i].Err = st, err
		if rerr := w.finish(ctx, &res[i]); rerr != nil {
			return res, rerr
		}
	}
	return res, nil
}

// settleRest settles the items not tried with st and why, and records them.
func (w *worker) settleRest(ctx context.Context, res []Result, rest []int, st Status, why error) ([]Result, error) {
	for _, i := range rest {
		res[i].Status, res[i].Err = st, why
		if err := w.finish(context.WithoutCancel(ctx), &res[i]); err != nil {
			return res, err
		}
	}
	return res, nil
}

func accountsOf(items []plan.Item) []string {
	seen := map[string]bool{}
	var ids []string
	for _, it := range items {
		if !seen[it.Account] {
			seen[it.Account] = true
			ids = append(ids, it.Account)
		}
	}
	sort.Strings(ids)
	return ids
}

// changedSincePlanning: the account no longer holds what the plan saw.
func changedSincePlanning(acc target.Account, it plan.Item) bool {
	if acc.Permanent != it.Permanent {
		return true
	}
	return !acc.Permanent && !acc.End.Equal(it.CurrentEnd.Time)
}

func describeEnd(t time.Time, permanent bool) string {
	switch {
	case permanent:
		return "permanent access"
	case t.IsZero():
		return "no end"
	}
	return t.Format("2006-01-02T15:04:05")
}
