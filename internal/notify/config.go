package notify

import (
	"net/http"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
)

// FromConfig builds the notifiers of the [notify] table; an empty table
// gives an empty Multi, which notifies no one. client may be nil.
func FromConfig(n config.Notify, client *http.Client, clk clock.Clock) Multi {
	var m Multi
	if n.Webhook != "" {
		m = append(m, Webhook{URL: n.Webhook, Client: client})
	}
	if s := n.SMTP; s != nil {
		m = append(m, SMTP{
			Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password.Value(),
			From: s.From, To: append([]string(nil), s.To...), Clock: clk,
		})
	}
	return m
}
