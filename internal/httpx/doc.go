// Package httpx is what every client of an external system (the Cardskipper
// source; the Hikvision, NEYROSS and NTK targets) and the configuration
// check share about talking HTTP, so that each rule is written once:
//
//   - the rules of a base URL (ParseBase, url.go): http or https, a host,
//     no user information, no query or fragment unless allowed, a valid
//     port; https-only where a password would cross the network (plain
//     http only to loopback, IsLoopback);
//   - the HTTP client (NewClient, client.go): its own transport or the
//     caller's, timeouts, a pinned certificate (pin.go: ParseFingerprint,
//     Fingerprint, PinError, and CertMessage to explain a refused
//     certificate), and redirects refused (RefuseRedirect, Refusing) so
//     credentials never follow one;
//   - bounded reading of a reply (body.go: CheckLength, ReadAll,
//     NewBoundedReader): a cap with an error naming it (TooLargeError);
//   - quoting a reply in a message (Quote, quote.go): the body is scrubbed
//     whole by redact.Scrubber before anything cuts it, so no start of a
//     secret is left at the cut;
//   - the classified errors of the targets (Errors, errors.go): "terminal
//     entrance: search page 3: HTTP 503 (body …)", naming the system, the
//     target, the operation and the status, every text scrubbed (Wrap) —
//     a status (Status), a request without an answer (Net, Classify: the
//     caller's cancellation, a timeout, a refused certificate, a network
//     failure), a reply read whole and scrubbed (Body);
//   - one request of a target's client (Do, do.go): sent once, signed by the
//     caller, read whole within a cap and scrubbed, every failure
//     classified. It never retries: apply.Retry decides by class, so
//     retries are never stacked.
//
// No third-party code: net/http already does the transport, and what is
// ours is the policy. The errors are target.Error, scrubbed by package
// redact; the tests include an echoing server that must never get a
// credential back into an error (TestDoScrubsAnEchoWhole) and
// FuzzParseBase.
package httpx
