package neyross

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// transactionLayout is how the seed writes transactionBegin/End: ISO in UTC
// with a space ("2020-07-10 15:00:00").
const transactionLayout = "2006-01-02 15:04:05"

// Event headlines the platform writes.
const (
	HeadlineGranted = "Доступ разрешен"
	HeadlineDenied  = "Доступ запрещен"
)

type transactionMeta struct {
	Person           string `json:"person"`
	AccessPoint      string `json:"accessPoint"`
	TransactionBegin string `json:"transactionBegin"`
	TransactionEnd   string `json:"transactionEnd"`
}

// handleTransaction is the remote "present a credential" at an access
// point. The emulated controller decides at once: the person and the point
// must be in the EIS subset, one of the person's EIS levels must name the
// point, and the pass must be valid now. A decision is also an access event.
func (s *Server) handleTransaction(w http.ResponseWriter, r *http.Request) {
	b, ok := readRequest(w, r)
	if !ok {
		return
	}
	var req struct {
		Person      string `json:"person"`
		AccessPoint string `json:"accessPoint"`
	}
	if err := json.Unmarshal(b, &req); err != nil || req.Person == "" || req.AccessPoint == "" {
		writeError(w, http.StatusBadRequest, "person и accessPoint: обязательные поля")
		return
	}
	s.mu.Lock()
	now := s.cfg.Clock.Now()
	meta := transactionMeta{Person: req.Person, AccessPoint: req.AccessPoint,
		TransactionBegin: now.UTC().Format(transactionLayout), TransactionEnd: now.UTC().Format(transactionLayout)}
	msg := s.decideLocked(req.Person, req.AccessPoint, now)
	s.mu.Unlock()
	out := map[string]any{"result": "success", "meta": meta}
	if msg != "" {
		out["result"], out["error"] = "error", msg
	}
	writeJSON(w, http.StatusOK, out)
}

// decideLocked returns "" when access is granted, else why not; a decision
// the controller made (not a lookup failure) is registered as an event.
func (s *Server) decideLocked(person, point string, now time.Time) string {
	eis := s.eisLevelsLocked()
	p, ok := s.persons[person]
	if !ok || !holdsEIS(p, eis) {
		return "владелец пропуска не найден или не входит в подмножество ВИС"
	}
	if !s.eisPointsLocked()[point] {
		return "точка доступа не найдена или не входит в подмножество ВИС"
	}
	allowed := false
	for _, l := range s.levels {
		if l.EIS() && slices.Contains(p.AccessLevels, l.UUID) && slices.Contains(l.AccessPoints, point) {
			allowed = true
		}
	}
	if !allowed {
		return "в уровне доступа владельца нет прав на точку доступа"
	}
	reason := ""
	switch {
	case p.Activation != nil && now.Unix() < *p.Activation:
		reason = "доступ запрещен: срок действия пропуска ещё не начался"
	case p.Expiration != nil && now.Unix() > *p.Expiration:
		reason = "доступ запрещен: срок действия пропуска истёк"
	}
	e := Event{Person: person, AccessPoint: point, Sent: now, Registered: now}
	if reason == "" {
		e.Headline, e.Tags = HeadlineGranted, []string{TagPACS, TagAccessGranted}
	} else {
		e.Headline, e.Tags = HeadlineDenied, []string{TagPACS, TagAccessDenied}
	}
	s.addEventLocked(e)
	return reason
}
