package config

import (
	"errors"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the zone must load on minimal hosts without /usr/share/zoneinfo
)

// build converts the decoded file section by section.
func (b *builder) build(raw *rawConfig) *Config {
	cfg := &Config{Path: b.file}
	// First: every ${VAR} after it may come from the file.
	cfg.EnvFile = b.readEnvFile(raw.EnvFile)
	cfg.Timezone, cfg.Zone = b.timezone(raw.Timezone)
	db := b.orDefault([]string{"database"}, raw.Database, DefaultDatabase)
	if db.set {
		cfg.Database = b.resolve([]string{"database"}, strings.TrimSpace(db.val))
	}
	cfg.RetryBudget = b.retryBudget([]string{"retry_budget"}, raw.RetryBudget, DefaultRetryBudget)
	cfg.Cardskipper = b.cardskipper(raw.Cardskipper)

	names := map[string][]string{} // lower-case target name → path of its name key
	for i := range raw.Hikvision {
		cfg.Hikvision = append(cfg.Hikvision, b.hikvision(i, &raw.Hikvision[i], names))
	}
	b.sameTerminal(cfg.Hikvision)
	if raw.Neyross != nil {
		cfg.Neyross = b.neyross(raw.Neyross, names)
	}
	if raw.NTK != nil {
		cfg.NTK = b.ntk(raw.NTK, names)
	}
	if len(raw.Hikvision) == 0 && raw.Neyross == nil && raw.NTK == nil {
		b.problems = append(b.problems, Problem{File: b.file,
			Msg: "no target configured: add a [[hikvision]] table per terminal, a [neyross] or an [ntk] table"})
	}
	cfg.Policy = b.policy(raw.Policy)
	cfg.Notify = b.notify(raw.Notify)
	cfg.literals = b.literals
	cfg.secretFiles = b.secretFiles
	cfg.Warnings = b.warnings
	return cfg
}

func (b *builder) timezone(p *string) (string, *time.Location) {
	path := []string{"timezone"}
	t := b.orDefault(path, p, DefaultTimezone)
	if !t.set {
		return "", nil
	}
	name := strings.TrimSpace(t.val)
	if name == "Local" {
		// "Local" is whatever the host says: dates would move with it.
		b.fail(path, `"Local" depends on the host; name the zone, e.g. %q`, DefaultTimezone)
		return "", nil
	}
	loc, err := timeLoadLocation(name)
	if err != nil {
		b.fail(path, "%s is not a known IANA time zone (e.g. %q)", t.show(), DefaultTimezone)
		return "", nil
	}
	return name, loc
}

// timeLoadLocation rejects what time.LoadLocation would read from an
// arbitrary place ($ZONEINFO, odd names).
func timeLoadLocation(name string) (*time.Location, error) {
	if name == "" || strings.ContainsAny(name, `\:`) || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, errors.New("invalid zone name")
	}
	return time.LoadLocation(name)
}

func (b *builder) cardskipper(r *rawCardskipper) Cardskipper {
	base := []string{"cardskipper"}
	if r == nil {
		b.problems = append(b.problems, Problem{File: b.file,
			Msg: "[cardskipper] is missing: it is the membership source (url, username, password, organisation_id)"})
		return Cardskipper{}
	}
	var c Cardskipper
	u := b.orDefault(key(base, "url"), r.URL, DefaultCardskipperURL)
	var parsed *url.URL
	c.URL, parsed = b.checkURL(key(base, "url"), u, false)
	b.cleartext(key(base, "url"), parsed, "password")
	c.Username = strings.TrimSpace(b.required(key(base, "username"), r.Username, " (a Cardskipper administrator with API rights)").val)
	c.Password = b.secret(base, "password", r.Password, r.PasswordFile, true)
	if r.OrganisationID == nil {
		b.missing(key(base, "organisation_id"), " (the organisation's Id from /Organisation/Info)")
	} else {
		c.OrganisationID = b.intIn(key(base, "organisation_id"), r.OrganisationID, 0, 1, 1<<31-1)
	}
	c.Roles = b.ids(key(base, "roles"), r.Roles)
	if r.IncludeChildren != nil {
		c.IncludeChildren = *r.IncludeChildren
	}
	c.Timeout = b.timeout(key(base, "timeout"), r.Timeout, DefaultCardskipperTimeout)
	return c
}

// neverAuto explains why a plan kind can never be applied unattended ("" if
// it is not such a kind).
func neverAuto(kind string) string {
	switch kind {
	case "in_sync":
		return "in_sync items need nothing"
	case "missing":
		return "doorsync never creates accounts; a missing account is only reported"
	case "unlinked":
		return "accounts without a member (staff, trainers) are never touched"
	case "ambiguous":
		return "an ambiguous e-mail needs a person to choose the link"
	case "no_email":
		return "a member without e-mail cannot be matched to an account"
	case "invalid":
		return "bad data is never written"
	}
	return ""
}

func (b *builder) policy(r *rawPolicy) Policy {
	base := []string{"policy"}
	p := Policy{
		Auto:                 []string{KindExtend, KindReactivate},
		MaxRevocations:       DefaultMaxRevocations,
		MaxRevocationPercent: DefaultMaxRevocationPct,
	}
	if r == nil {
		return p
	}
	if r.Auto != nil {
		path := key(base, "auto")
		p.Auto = []string{}
		for _, kind := range b.strs(path, *r.Auto) {
			switch {
			case neverAuto(kind) != "":
				b.fail(path, "%q can never be applied automatically: %s", kind, neverAuto(kind))
			case kind != KindExtend && kind != KindReactivate && kind != KindShorten && kind != KindRevoke:
				b.fail(path, "%q is not a kind; use extend, reactivate, shorten or revoke", kind)
			case slices.Contains(p.Auto, kind):
				b.fail(path, "%q is listed twice", kind)
			default:
				p.Auto = append(p.Auto, kind)
			}
		}
	}
	p.MaxRevocations = b.intIn(key(base, "max_revocations"), r.MaxRevocations, DefaultMaxRevocations, 0, 1<<31-1)
	if v := r.MaxRevocationPercent; v != nil {
		if !(*v >= 0 && *v <= 100) { // also catches nan
			b.fail(key(base, "max_revocation_percent"), "%v is out of range 0..100", *v)
		} else {
			p.MaxRevocationPercent = *v
		}
	}
	return p
}

func (b *builder) notify(r *rawNotify) Notify {
	var n Notify
	if r == nil {
		return n
	}
	base := []string{"notify"}
	if w := b.str(key(base, "webhook"), r.Webhook); w.set {
		if strings.TrimSpace(w.val) == "" {
			b.empty(key(base, "webhook"), "; remove the key for no webhook")
		} else {
			var u *url.URL
			n.Webhook, u = b.checkURL(key(base, "webhook"), w, true)
			if u != nil && literalToken(*r.Webhook) {
				b.literals = append(b.literals, literalSecret{key: display(key(base, "webhook")) + " (in the URL)", what: "token", use: "${VAR}"})
			}
		}
	}
	if r.SMTP != nil {
		n.SMTP = b.smtp(r.SMTP)
	}
	return n
}

func (b *builder) smtp(r *rawSMTP) *SMTP {
	base := []string{"notify", "smtp"}
	s := &SMTP{}
	host := b.required(key(base, "host"), r.Host, " (the mail relay)")
	s.Host = strings.TrimSpace(host.val)
	if strings.Contains(s.Host, "@") && len(host.vars) == 0 {
		// "user:token@relay": a login where the host belongs.
		b.literals = append(b.literals, literalSecret{key: display(key(base, "host")) + " (in the URL)", what: "token", use: "${VAR}"})
	}
	s.Port = b.intIn(key(base, "port"), r.Port, DefaultSMTPPort, 1, 65535)
	s.Username = strings.TrimSpace(b.str(key(base, "username"), r.Username).val)
	s.Password = b.secret(base, "password", r.Password, r.PasswordFile, false)
	switch {
	case s.Username != "" && s.Password.IsZero() && r.Password == nil && r.PasswordFile == nil:
		b.missing(key(base, "password"), " when username is set")
	case s.Username == "" && !s.Password.IsZero():
		b.missing(key(base, "username"), " when password is set")
	}
	from := b.required(key(base, "from"), r.From, ` (the sender, e.g. "doorsync@example.si")`)
	if from.set && !from.bad {
		if _, err := mail.ParseAddress(from.val); err != nil {
			b.fail(key(base, "from"), "%s is not an e-mail address", from.show())
		} else {
			s.From = strings.TrimSpace(from.val)
		}
	}
	if len(r.To) == 0 {
		b.missing(key(base, "to"), ` (a list of recipients, e.g. ["admin@example.si"])`)
	}
	for _, to := range b.strs(key(base, "to"), r.To) {
		if _, err := mail.ParseAddress(to); err != nil {
			b.fail(key(base, "to"), "%q is not an e-mail address", to)
			continue
		}
		s.To = append(s.To, to)
	}
	return s
}

// literalToken reports whether the webhook URL as written (its ${VAR}
// parts left out: they are not in the file) carries a token.
func literalToken(raw string) bool {
	literal, _, err := expand(raw, func(string) (string, bool) { return "v", true })
	if err != nil {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(literal))
	return err == nil && carriesToken(u)
}

// carriesToken reports whether a webhook URL looks like it carries a token,
// as chat and push webhooks do: a login (user:pass@), a query, a path
// segment of 16 or more characters (an ntfy topic is its secret:
// "/gym-doors-secret-topic"), or of 12 or more with a digit or both cases
// ("/services/T0001/B0002/Xy7…"); a plain name like "/doorsync" is not one.
func carriesToken(u *url.URL) bool {
	if u.RawQuery != "" || u.User != nil {
		return true
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 16 {
			return true
		}
		if len(seg) < 12 {
			continue
		}
		var digit, lower, upper bool
		for _, r := range seg {
			switch {
			case r >= '0' && r <= '9':
				digit = true
			case r >= 'a' && r <= 'z':
				lower = true
			case r >= 'A' && r <= 'Z':
				upper = true
			}
		}
		if digit || lower && upper {
			return true
		}
	}
	return false
}
