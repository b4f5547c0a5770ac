// Package httpx is what every client of an external system (the Cardskipper
// source; the Hikvision, NEYROSS and NTK targets) and the configuration
// check share about talking HTTP, so that each rule is written once:
//
//   - the rules of a base URL (ParseBase): http or https, a host, no user
//     information, no query or fragment unless allowed, a valid port;
//     https-only where a password would cross the network (plain http only
//     to loopback, IsLoopback);
//   - the HTTP client (NewClient): its own transport or the caller's,
//     timeouts, a pinned certificate (Pin), and redirects refused
//     (RefuseRedirect) so credentials never follow one;
//   - bounded reading of a reply (ReadAll, NewBoundedReader): a cap with an
//     error naming it (TooLargeError);
//   - quoting a reply in a message (Quote): the body is scrubbed whole by
//     redact.Scrubber before anything cuts it, so no start of a secret is
//     left at the cut;
//   - the classified errors of the targets (Errors): "terminal entrance:
//     search page 3: HTTP 503 (body …)", naming the system, the operation
//     and the status, with the cause scrubbed.
//
// Only the standard library: net/http already does the transport, and what
// is ours is the policy.
package httpx
