package target

import "context"

// sendGateKey keys the gate in a context.
type sendGateKey struct{}

// WithSendGate returns ctx carrying gate: a target asks it (CheckSend)
// right before each request that changes the system, and sends nothing
// more once it fails. The apply runner's gate is "this run still holds
// the database's run lock" (issue 11 §2), so that a run whose lock was
// taken over stops between two requests of one chunk, not only between
// chunks. It travels in the context because it belongs to one Write call
// and must reach each request the target makes for it.
func WithSendGate(ctx context.Context, gate func(context.Context) error) context.Context {
	return context.WithValue(ctx, sendGateKey{}, gate)
}

// CheckSend asks the gate ctx carries, if any; nil means send.
func CheckSend(ctx context.Context) error {
	gate, _ := ctx.Value(sendGateKey{}).(func(context.Context) error)
	if gate == nil {
		return nil
	}
	return gate(ctx)
}
