package ntk

import "github.com/doorsync/doorsync/internal/target"

// System is the target.Info System of NTK (and the plan.Item System of its
// items).
const System = "ntk"

var (
	_ target.ListTarget = (*Client)(nil)
	_ target.Stopper    = (*Client)(nil)
)

// Info describes the client as a target.ListTarget.
func (c *Client) Info() target.Info { return target.Info{Name: c.name, System: System} }

// Resendable is the package's Resendable, as the target.ListTarget method.
func (c *Client) Resendable(err error) bool { return Resendable(err) }
