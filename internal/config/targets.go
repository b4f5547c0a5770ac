package config

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/doorsync/doorsync/internal/httpx"
)

// The targets: Hikvision terminals, NEYROSS and NTK. Their names share one
// namespace (plans, links and history are keyed by it).

func (b *builder) hikvision(i int, r *rawHikvision, names map[string][]string) Hikvision {
	base := []string{"hikvision", indexPart(i)}
	var h Hikvision
	h.Name = b.uniqueName(key(base, "name"), b.required(key(base, "name"), r.Name, ` (a short name for the terminal, e.g. "entrance")`), names)
	u := b.required(key(base, "url"), r.URL, ` (the terminal's address, e.g. "http://10.0.0.20")`)
	var parsed *url.URL
	h.URL, parsed = b.checkURL(key(base, "url"), u, false)
	h.Username = strings.TrimSpace(b.required(key(base, "username"), r.Username, "").val)
	h.Password = b.secret(base, "password", r.Password, r.PasswordFile, true)

	ef := b.orDefault(key(base, "email_field"), r.EmailField, EmailFieldExtension)
	switch v := strings.TrimSpace(ef.val); {
	case !ef.set:
	case v == EmailFieldExtension || v == EmailFieldName || v == EmailFieldNone:
		h.EmailField = v
	default:
		b.fail(key(base, "email_field"), "%s is not one of extension, name, none", ef.show())
	}

	fp := b.str(key(base, "tls_fingerprint"), r.TLSFingerprint)
	if fp.set {
		norm, ok := normalizeFingerprint(fp.val)
		switch {
		case !ok:
			b.fail(key(base, "tls_fingerprint"), `%s is not "sha256:" followed by 64 hex digits (colons allowed), as printed by: openssl x509 -noout -fingerprint -sha256`, fp.show())
		case parsed != nil && parsed.Scheme != "https":
			b.fail(key(base, "tls_fingerprint"), "pins a certificate, but url is not https")
		default:
			h.TLSFingerprint = norm
		}
	}
	h.Timeout = b.timeout(key(base, "timeout"), r.Timeout, DefaultHikvisionTimeout)
	h.RetryBudget = b.retryBudget(key(base, "retry_budget"), r.RetryBudget, 0)
	return h
}

// normalizeFingerprint accepts "sha256:AB:CD:…" or "sha256:abcd…" (the
// prefix in any case, required here so that the file says what it pins)
// and returns "sha256:" + 64 lower-case hex digits, read as the client
// reads it.
func normalizeFingerprint(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if prefix, _, ok := strings.Cut(s, ":"); !ok || !strings.EqualFold(prefix, "sha256") {
		return "", false
	}
	pin, err := httpx.ParseFingerprint(s)
	if err != nil {
		return "", false
	}
	return httpx.FormatFingerprint(pin), true
}

// uniqueName checks a target name and that no other target has it (names
// compare case-insensitively: "Entrance" and "entrance" would be confused).
func (b *builder) uniqueName(path []string, t text, names map[string][]string) string {
	name := b.targetName(path, t)
	if name == "" {
		return ""
	}
	lower := strings.ToLower(name)
	if other, dup := names[lower]; dup {
		where := ""
		if l := b.idx.line(other); l > 0 {
			where = fmt.Sprintf(" on line %d", l)
		}
		b.fail(path, "target name %s is already used by %s%s; names must be unique", t.show(), display(other[:1]), where)
		return name
	}
	names[lower] = path
	return name
}

// sameTerminal rejects two [[hikvision]] tables for one terminal: updates
// would race (terminals answer one request at a time) and be applied twice.
func (b *builder) sameTerminal(hs []Hikvision) {
	seen := map[string]int{}
	for i, h := range hs {
		u, err := url.Parse(h.URL)
		if h.URL == "" || err != nil {
			continue
		}
		k := terminalKey(u)
		if j, dup := seen[k]; dup {
			b.fail([]string{"hikvision", indexPart(i), "url"}, "the same terminal as %q (line %d)",
				hs[j].Name, b.idx.line([]string{"hikvision", indexPart(j)}))
			continue
		}
		seen[k] = i
	}
}

// terminalKey identifies a terminal by scheme, host and port (default port
// by scheme), so "http://10.0.0.20" and "http://10.0.0.20:80/" match.
func terminalKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

func (b *builder) neyross(r *rawNeyross, names map[string][]string) *Neyross {
	base := []string{"neyross"}
	n := &Neyross{}
	n.Name = b.uniqueName(key(base, "name"), b.orDefault(key(base, "name"), r.Name, DefaultNeyrossName), names)
	u := b.required(key(base, "url"), r.URL, ` (the platform's address, e.g. "https://neyross.local")`)
	var parsed *url.URL
	n.URL, parsed = b.checkURL(key(base, "url"), u, false)
	b.cleartext(key(base, "url"), parsed, "token")
	n.Token = b.secret(base, "token", r.Token, r.TokenFile, true)
	if strings.ContainsFunc(n.Token.Value(), unicode.IsSpace) {
		// Never quoted: it is a secret.
		b.fail(key(base, "token"), "the token contains white space: copy it again from the EIS plugin settings (one line, as shown there)")
	}
	n.Batch = b.intIn(key(base, "batch"), r.Batch, DefaultNeyrossBatch, 1, 1000)
	n.Timeout = b.timeout(key(base, "timeout"), r.Timeout, DefaultNeyrossTimeout)
	n.RetryBudget = b.retryBudget(key(base, "retry_budget"), r.RetryBudget, 0)
	return n
}

func (b *builder) ntk(r *rawNTK, names map[string][]string) *NTK {
	base := []string{"ntk"}
	n := &NTK{}
	n.Name = b.uniqueName(key(base, "name"), b.orDefault(key(base, "name"), r.Name, DefaultNTKName), names)
	u := b.required(key(base, "url"), r.URL, " (the upload address agreed with NTK)")
	var parsed *url.URL
	n.URL, parsed = b.checkURL(key(base, "url"), u, false)
	if parsed != nil && parsed.Scheme == "http" && !httpx.IsLoopback(parsed.Hostname()) {
		// The upload client refuses it: better said now than at every run.
		b.fail(key(base, "url"), "NTK takes the list and the password over https only (plain http only to this machine, as the demo does)")
	}
	n.Username = strings.TrimSpace(b.required(key(base, "username"), r.Username, "").val)
	if strings.Contains(n.Username, ":") {
		b.fail(key(base, "username"), "the username must not contain ':' (impossible with HTTP Basic authentication)")
	}
	n.Password = b.secret(base, "password", r.Password, r.PasswordFile, true)

	cf := b.required(key(base, "card_field"), r.CardField, " (the Cardskipper field holding the card number: extra1, extra2 or extra3)")
	switch v := strings.TrimSpace(cf.val); {
	case !cf.set || cf.bad:
	case v == "extra1" || v == "extra2" || v == "extra3":
		n.CardField = v
	default:
		b.fail(key(base, "card_field"), "%s is not one of extra1, extra2, extra3", cf.show())
	}

	n.Zones = b.zones(key(base, "zones"), r.Zones)
	n.StudentRoles = b.ids(key(base, "student_roles"), r.StudentRoles)
	n.StudentTags = b.strs(key(base, "student_tags"), r.StudentTags)
	n.MinInterval = b.duration(key(base, "min_interval"), r.MinInterval, DefaultNTKMinInterval)
	n.Timeout = b.timeout(key(base, "timeout"), r.Timeout, DefaultNTKTimeout)
	n.RetryBudget = b.retryBudget(key(base, "retry_budget"), r.RetryBudget, 0)
	return n
}

// zones checks the role → zones map (ntk-access-list.md: a zone is a
// decimal number of at most 5 digits).
func (b *builder) zones(path []string, m map[string][]int64) map[string][]int {
	if len(m) == 0 {
		b.missing(path, ` (map role ids to NTK zones, e.g. zones = { 3126 = [55] })`)
		return nil
	}
	out := make(map[string][]int, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// In file order, so that the second of two spellings of one role is
	// the one reported.
	slices.SortFunc(keys, func(x, y string) int {
		return cmp.Or(cmp.Compare(b.idx.line(key(path, x)), b.idx.line(key(path, y))), strings.Compare(x, y))
	})
	for _, k := range keys {
		kp := key(path, k)
		id, ok := parseRoleID(k)
		if !ok {
			b.fail(kp, "%q is not a role id (a positive number)", k)
			continue
		}
		canon := fmt.Sprint(id)
		if _, dup := out[canon]; dup {
			b.fail(kp, "role %d is listed twice", id)
			continue
		}
		zs := m[k]
		if len(zs) == 0 {
			b.fail(kp, "lists no zone")
			continue
		}
		var list []int
		for _, z := range zs {
			if z < 0 || z > 99999 {
				b.fail(kp, "zone %d is out of range 0..99999", z)
				continue
			}
			list = append(list, int(z))
		}
		slices.Sort(list)
		out[canon] = slices.Compact(list)
	}
	return out
}

func parseRoleID(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n > 0 && n <= 1<<31-1
}
