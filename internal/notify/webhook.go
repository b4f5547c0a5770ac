package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook defaults.
const (
	// DefaultWebhookTimeout bounds one POST when Client is nil.
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultRetryDelay is the pause before the one retry.
	DefaultRetryDelay = 2 * time.Second
	// PayloadVersion is the version of the webhook's JSON body.
	PayloadVersion = 1
)

// Webhook POSTs the event as JSON. A 2xx answer is success; a 5xx, a 429 or
// a network error (timeouts included) is retried once; anything else is not.
type Webhook struct {
	URL    string
	Client *http.Client // nil: a client with DefaultWebhookTimeout
	// RetryDelay is the pause before the retry; 0 means DefaultRetryDelay.
	RetryDelay time.Duration
}

// payload is the webhook's body. "text" is the headline, so Slack-,
// Mattermost- and Rocket.Chat-style incoming webhooks show a readable message
// with no adapter; the other fields are for scripts.
type payload struct {
	Version     int            `json:"version"`
	Event       string         `json:"event"`
	Text        string         `json:"text"`
	RunID       int64          `json:"run_id"`
	Outcome     string         `json:"outcome"`
	Mode        string         `json:"mode"`
	Host        string         `json:"host"`
	StartedAt   time.Time      `json:"started_at,omitzero"`
	FinishedAt  time.Time      `json:"finished_at,omitzero"`
	Counts      map[string]int `json:"counts"`
	Errors      []string       `json:"errors"`
	MoreErrors  int            `json:"more_errors"`
	GuardReason string         `json:"guard_reason"`
	Summary     string         `json:"summary"`
	// Identity: the identity changes held for the admin (first MaxErrors).
	Identity     []string `json:"identity,omitempty"`
	MoreIdentity int      `json:"more_identity,omitempty"`
}

func payloadOf(e Event) payload {
	p := payload{
		Version: PayloadVersion, Event: "run", Text: Headline(e), RunID: e.RunID, Outcome: e.Outcome,
		Mode: e.Mode, Host: e.Host, StartedAt: e.StartedAt, FinishedAt: e.FinishedAt, Counts: e.Counts,
		GuardReason: e.GuardReason, Summary: e.Summary,
	}
	p.Errors, p.MoreErrors = firstErrors(e.Errors)
	p.Identity, p.MoreIdentity = firstErrors(e.Identity)
	if p.Counts == nil {
		p.Counts = map[string]int{}
	}
	if p.Errors == nil {
		p.Errors = []string{}
	}
	return p
}

// String names the webhook without its secrets.
func (w Webhook) String() string { return "webhook " + RedactURL(w.URL) }

// GoString keeps %#v from printing the URL's token.
func (w Webhook) GoString() string { return "notify.Webhook{URL: " + RedactURL(w.URL) + "}" }

func (w Webhook) Notify(ctx context.Context, e Event) error {
	name := w.String()
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: not an http(s) URL", name)
	}
	body, err := json.Marshal(payloadOf(e))
	if err != nil {
		return fmt.Errorf("%s: encode run %d: %w", name, e.RunID, err)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	delay := w.RetryDelay
	if delay <= 0 {
		delay = DefaultRetryDelay
	}
	scrub := scrubber(u)
	var last error
	attempts := 0
	for {
		attempts++
		retry, err := post(ctx, client, u.String(), body, scrub)
		if err == nil {
			return nil
		}
		last = err
		if !retry || attempts == 2 || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (retry cancelled: %w)", name, last, ctx.Err())
		case <-t.C:
		}
	}
	if attempts > 1 {
		return fmt.Errorf("%s: %w (after %d attempts)", name, last, attempts)
	}
	return fmt.Errorf("%s: %w", name, last)
}

// post sends one attempt; retry says whether another may help.
func post(ctx context.Context, client *http.Client, target string, body []byte, scrub func(string) string) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("cannot build the request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "doorsync")
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error prints the whole URL, token and all: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	msg := "HTTP " + resp.Status
	if s := scrub(oneLine(string(snippet), 200)); s != "" {
		msg += ": " + s
	}
	retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	return retry, errors.New(msg)
}

// RedactURL shows a URL without what may be a secret: user info, path, query
// and fragment become "…" (webhook tokens live in paths as often as in
// queries), e.g. "https://hooks.example.com/…".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[unparseable URL]"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		out += "/…"
	}
	return out
}

// scrubber removes the URL's secret parts from text a server sent back (an
// error page may echo the request URL).
func scrubber(u *url.URL) func(string) string {
	var secrets []string
	add := func(s string) {
		if len(s) >= 6 {
			secrets = append(secrets, s)
		}
	}
	add(u.RawQuery)
	add(u.EscapedPath())
	add(u.Path)
	for _, seg := range strings.Split(u.Path, "/") {
		add(seg)
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			add(v)
		}
	}
	if u.User != nil {
		add(u.User.String())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	// Longest first, so a whole path goes before the segments inside it.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	return func(s string) string {
		for _, x := range secrets {
			s = strings.ReplaceAll(s, x, "…")
		}
		return s
	}
}
