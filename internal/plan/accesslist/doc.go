// Package accesslist plans the NTK access list (ntk-access-list.md; the
// customer's seed 003 is the authority): the whole list of card chip
// numbers and access zones a whole-list target (target.ListTarget) takes at
// once, one `card;zone` line per pair. Like its parent plan it is pure: no
// I/O, no wall clock; today, the time and the last accepted list are
// arguments.
//
// Such a target cannot be read, so the list is planned against the last
// list it accepted, which the caller keeps (List.Bytes, ParseList):
//
//	Build         members valid today → the list plus per-member problems
//	Diff          the list against the last accepted one → plan items
//	NextList      the last accepted list plus the approved items → what to send
//	ShouldUpload  whether to send now (changed, interval, daily refresh)
//
// Settings says how members become lines; the service makes them (internal/service, NTKListSettings)
// of the [ntk] configuration.
//
// Decisions where the specification is silent (each is also explained where
// it is implemented):
//   - Card numbers: surrounding and inner white space, ':' and '-' separators
//     and a "0x" prefix are removed, letters upper-cased; the result must be
//     8 or 14 hex digits. Nothing else is converted: a decimal-looking value
//     of another length (a chip number printed in decimal, "2856963140") is
//     reported as invalid, never converted, and byte order is never reversed.
//   - Lines are sorted by card, then zone; one line per (card, zone); a third
//     column carries the member id (the spec allows columns for the access
//     user's own use), so that a phone call from NTK about a card can be
//     traced, and so that the last accepted list says whose card was revoked.
//     Lines end in "\n".
//   - A valid member without a card number but with a zone is reported as
//     plan.Missing; a card on two members valid today leaves the list and
//     each member is reported as plan.Ambiguous; bad data as plan.Invalid.
//   - Zone changes of a listed card are plan.Extend when zones are only added
//     and plan.Shorten when any is removed, so that policy and the
//     blast-radius guard treat loss of access like a shortened date.
//   - The list is uploaded when it changed (subject to the minimum interval)
//     and, unchanged, once a day: the seed's standard period.
package accesslist
