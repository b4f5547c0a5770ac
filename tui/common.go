package tui

import (
	"context"
	"log/slog"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
)

// common is what every screen reads and none changes: the options (the
// backend, the clock, the user), the context bounding background calls,
// the keys, the styles, the zone of the data shown and the logger. The
// root builds it once and is its only writer (styles follow the terminal's
// background, the zone the data); screens hold a pointer to it, never to
// the root.
type common struct {
	opt    Options
	ctx    context.Context
	keys   KeyMap
	styles Styles
	// zone is the data's zone (time.Local until data is shown): dates and
	// times are shown in the site's zone, not the server's.
	zone *time.Location
	log  *slog.Logger
	// send tells the root and the other screens what changed (tell.go);
	// nextReq numbers a background request: the root keeps one order, so
	// that a result older than the data shown is dropped.
	send    func(tea.Msg)
	nextReq func() int
}

func newCommon(o Options) *common {
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return &common{opt: o, ctx: ctx, keys: DefaultKeyMap(), styles: NewStyles(o.Dark), zone: time.Local, log: o.Log}
}

// logErr records a failure in the --debug log, if one is kept.
func (c *common) logErr(what string, err error) {
	if c.log != nil && err != nil {
		c.log.Error(what, "err", err)
	}
}

// home is Options.Home or the process's home directory.
func (c *common) home() func() (string, error) {
	if c.opt.Home != nil {
		return c.opt.Home
	}
	return os.UserHomeDir
}

// status shows a notice in the status line (ok: not an error).
func (c *common) status(ok bool, text string) { c.send(statusMsg{ok: ok, text: text}) }

// waits is true, and has the root say why, while only the stored plan is
// shown: what needs the members and accounts waits for the rest.
func (c *common) waits(d *Data) bool {
	if d == nil || !d.Partial {
		return false
	}
	c.send(waitingMsg{})
	return true
}
