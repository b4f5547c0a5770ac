package target

import "context"

// ListTarget is an access-control system of the other shape: it takes the
// whole list at once and cannot be read (NTK takes every card and zone in
// one upload and answers only "accepted" or why not). Nothing is read back,
// so the engine plans such a target against the last list it accepted,
// which the engine keeps in its database (plan/accesslist), and applies
// a plan by uploading the next whole list.
//
// Implementations send what they are given as is, classify failures with
// *Error, and never retry on their own: the engine sends again within the
// target's retry budget when Resendable allows. A system that stops after
// rejected credentials also implements Stopper.
type ListTarget interface {
	// Info describes the target (Name, System); it needs no call.
	Info() Info
	// Upload sends the whole list, the file's bytes, once. It returns
	// the name under which the system accepted the list ("" if it named
	// none). An error means the list may not have been taken; the caller
	// keeps its last accepted list.
	Upload(ctx context.Context, list []byte) (accepted string, err error)
	// Resendable reports whether an upload that failed with err may be
	// sent again in the same run. A system that may have received a list
	// it did not confirm (a timeout) answers false: the next run sends it.
	Resendable(err error) bool
}
