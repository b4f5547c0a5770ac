package tui

import (
	"context"
	"errors"
	"io"

	tea "charm.land/bubbletea/v2"
)

// Run shows the console m on the terminal (out: where it draws, stderr so
// stdout stays data) until the operator quits or ctx ends.
func Run(ctx context.Context, m *Model, out io.Writer) error {
	_, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithOutput(out)).Run()
	if err != nil && errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // interrupted: not a failure of the console
	}
	return err
}
