package tui

import (
	"sync"

	tea "charm.land/bubbletea/v2"
)

// stream carries a background operation's messages to the program without
// ever blocking the operation (progress callbacks run on its goroutines) and
// without dropping any (every apply result is shown). The console listens
// until the operation's last message, even for a stale request, so no
// goroutine is left behind.
type stream struct {
	mu   sync.Mutex
	q    []tea.Msg
	wake chan struct{}
}

func newStream() *stream { return &stream{wake: make(chan struct{}, 1)} }

func (s *stream) push(m tea.Msg) {
	s.mu.Lock()
	s.q = append(s.q, m)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// streamMsg delivers every message queued since the last one, so a burst of
// progress costs one Update and one render.
type streamMsg struct {
	s    *stream
	msgs []tea.Msg
}

// next is the command that waits for the stream's next messages.
func (s *stream) next() tea.Cmd {
	return func() tea.Msg {
		for {
			s.mu.Lock()
			if len(s.q) > 0 {
				msgs := s.q
				s.q = nil
				s.mu.Unlock()
				return streamMsg{s: s, msgs: msgs}
			}
			s.mu.Unlock()
			<-s.wake
		}
	}
}
