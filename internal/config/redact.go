package config

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Redacted returns the effective configuration (defaults filled in) as TOML
// with every secret replaced by "[redacted]" and a comment saying where it
// came from, for `doorsync doctor` and debug logs. Webhook URLs often carry
// a token in their path, so only their scheme and host are shown.
func (c *Config) Redacted() string {
	var w tomlWriter
	w.comment("doorsync configuration as loaded from " + c.Path + " (defaults filled in, secrets redacted)")
	if c.EnvFile != "" {
		// A comment: the values below are expanded already, and the dump
		// must parse back without the file.
		w.comment("env_file = " + tomlString(c.EnvFile) + " (read for the ${VAR}s the environment did not set)")
	}
	w.kv("timezone", tomlString(c.Timezone))
	w.kv("database", tomlString(c.Database))
	w.kv("retry_budget", tomlDuration(c.RetryBudget))

	cs := c.Cardskipper
	w.table("cardskipper")
	w.kv("url", tomlString(cs.URL))
	w.kv("username", tomlString(cs.Username))
	w.secret("password", cs.Password)
	w.kv("organisation_id", strconv.Itoa(cs.OrganisationID))
	w.kv("roles", tomlInts(cs.Roles))
	w.kv("include_children", strconv.FormatBool(cs.IncludeChildren))
	w.kv("timeout", tomlDuration(cs.Timeout))

	for _, h := range c.Hikvision {
		w.line("")
		w.line("[[hikvision]]")
		w.kv("name", tomlString(h.Name))
		w.kv("url", tomlString(h.URL))
		w.kv("username", tomlString(h.Username))
		w.secret("password", h.Password)
		w.kv("email_field", tomlString(h.EmailField))
		if h.TLSFingerprint != "" {
			w.kv("tls_fingerprint", tomlString(h.TLSFingerprint))
		}
		w.kv("timeout", tomlDuration(h.Timeout))
		w.retryBudget(h.RetryBudget)
	}
	if n := c.Neyross; n != nil {
		w.table("neyross")
		w.kv("name", tomlString(n.Name))
		w.kv("url", tomlString(n.URL))
		w.secret("token", n.Token)
		w.kv("batch", strconv.Itoa(n.Batch))
		w.kv("timeout", tomlDuration(n.Timeout))
		w.retryBudget(n.RetryBudget)
	}
	if n := c.NTK; n != nil {
		w.table("ntk")
		w.kv("name", tomlString(n.Name))
		w.kv("url", tomlString(n.URL))
		w.kv("username", tomlString(n.Username))
		w.secret("password", n.Password)
		w.kv("card_field", tomlString(n.CardField))
		w.kv("zones", tomlZones(n.Zones))
		w.kv("student_roles", tomlInts(n.StudentRoles))
		w.kv("student_tags", tomlStrings(n.StudentTags))
		w.kv("min_interval", tomlDuration(n.MinInterval))
		w.kv("timeout", tomlDuration(n.Timeout))
		w.retryBudget(n.RetryBudget)
	}

	p := c.Policy
	w.table("policy")
	w.kv("auto", tomlStrings(p.Auto))
	w.kv("max_revocations", strconv.Itoa(p.MaxRevocations))
	w.kv("max_revocation_percent", strconv.FormatFloat(p.MaxRevocationPercent, 'f', -1, 64))

	if c.Notify.Webhook != "" || c.Notify.SMTP != nil {
		w.table("notify")
		if c.Notify.Webhook != "" {
			w.kv("webhook", tomlString(redactURL(c.Notify.Webhook)))
		}
		if s := c.Notify.SMTP; s != nil {
			w.table("notify.smtp")
			w.kv("host", tomlString(s.Host))
			w.kv("port", strconv.Itoa(s.Port))
			if s.Username != "" {
				w.kv("username", tomlString(s.Username))
			}
			if !s.Password.IsZero() {
				w.secret("password", s.Password)
			}
			w.kv("from", tomlString(s.From))
			w.kv("to", tomlStrings(s.To))
		}
	}
	return w.String()
}

type tomlWriter struct{ strings.Builder }

func (w *tomlWriter) line(s string)    { w.WriteString(s + "\n") }
func (w *tomlWriter) comment(s string) { w.line("# " + strings.ReplaceAll(s, "\n", " ")) }
func (w *tomlWriter) kv(k, v string)   { w.line(k + " = " + v) }
func (w *tomlWriter) table(name string) {
	w.line("")
	w.line("[" + name + "]")
}

// retryBudget writes a target's own budget; none means the global one.
func (w *tomlWriter) retryBudget(d time.Duration) {
	if d > 0 {
		w.kv("retry_budget", tomlDuration(d))
	}
}

func (w *tomlWriter) secret(k string, s Secret) {
	from := "from " + s.Source()
	if s.Source() == "literal" {
		from = "written in the file"
	}
	w.line(fmt.Sprintf("%s = %s  # %s", k, tomlString(s.String()), strings.ReplaceAll(from, "\n", " ")))
}

// redactURL keeps scheme and host of a URL that may carry a token.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	if (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/" + redacted
}

// tomlString writes a TOML basic string that Parse reads back as s: "${"
// is escaped as "$${" so it is not taken for a variable.
func tomlString(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.ReplaceAll(s, "${", "$${")
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlStrings(vs []string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = tomlString(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func tomlInts(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func tomlDuration(d time.Duration) string { return tomlString(d.String()) }

// tomlZones writes the role → zones map inline, roles in numeric order.
func tomlZones(m map[string][]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = tomlString(k) + " = " + tomlInts(m[k])
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}
