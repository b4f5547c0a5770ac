// Package ntk is the client of the NTK access-list upload
// (ntk-access-list.md; the customer's seed 003 is the authority), a
// target.ListTarget.
//
// NTK, the National Technical Library in Prague, cannot be read and takes no
// per-person updates: it receives the whole list of card chip numbers and
// access zones over HTTPS with Basic auth as a multipart upload. This
// package is that one HTTP call and the classification of its reply:
//
//	Client.Upload  the one POST, with its 202/400/401/5xx classification
//	Resendable     whether a failed upload may be sent again in the run
//
// The list itself — building it from the members, validating every line,
// the diff against the last accepted list, when to upload — is planned in
// plan/accesslist; the engine keeps the last accepted list in the database.
// This package knows neither the plan nor the configuration: the
// service makes its Config (internal/service, NTKClientConfig).
package ntk
