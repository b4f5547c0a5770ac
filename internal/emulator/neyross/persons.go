package neyross

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Listing defaults of persons/search/ (seed: limit 1000, offset 0).
const (
	defaultLimit = 1000
)

// personView is a person as the EIS sees it: EIS levels only, no photo, no
// group; card and facility read only.
type personView struct {
	UUID           string            `json:"uuid"`
	Surname        string            `json:"surname"`
	Name           string            `json:"name"`
	Patronymic     string            `json:"patronymic,omitempty"`
	Organization   string            `json:"organization,omitempty"`
	Division       string            `json:"division,omitempty"`
	Post           string            `json:"post,omitempty"`
	ClockNumber    string            `json:"clock_number,omitempty"`
	DocumentNumber string            `json:"document_number,omitempty"`
	Phone          string            `json:"phone,omitempty"`
	Email          string            `json:"email,omitempty"`
	AccessLevels   []string          `json:"accessLevels"`
	PassType       string            `json:"passType,omitempty"`
	Activation     *int64            `json:"activation_date,omitempty"`
	Expiration     *int64            `json:"expiration_date,omitempty"`
	Card           *int64            `json:"card,omitempty"`
	Facility       *int64            `json:"facility,omitempty"`
	Info           map[string]string `json:"info,omitempty"`
}

// SetPersons replaces every person the platform holds (EIS or not).
func (s *Server) SetPersons(ps []Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.persons = make(map[string]*Person, len(ps))
	for _, p := range ps {
		c := clonePerson(p)
		s.persons[p.UUID] = &c
	}
	s.visible = nil
}

// Person returns a copy of the stored person (whether the EIS sees it or not).
func (s *Server) Person(uuid string) (Person, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.persons[uuid]
	if !ok {
		return Person{}, false
	}
	return clonePerson(*p), true
}

// Persons returns copies of every stored person, sorted by uuid.
func (s *Server) Persons() []Person {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Person, 0, len(s.persons))
	for _, p := range s.persons {
		out = append(out, clonePerson(*p))
	}
	slices.SortFunc(out, func(a, b Person) int { return strings.Compare(a.UUID, b.UUID) })
	return out
}

// Visible reports how many persons the EIS sees (what persons/count/ says).
func (s *Server) Visible() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.visibleLocked())
}

func clonePerson(p Person) Person {
	p.AccessLevels = slices.Clone(p.AccessLevels)
	p.Info = maps.Clone(p.Info)
	for _, f := range []**int64{&p.Activation, &p.Expiration, &p.Card, &p.Facility} {
		if *f != nil {
			v := **f
			*f = &v
		}
	}
	return p
}

// eisLevelsLocked is the set of EIS level uuids.
func (s *Server) eisLevelsLocked() map[string]bool {
	set := map[string]bool{}
	for _, l := range s.levels {
		if l.EIS() {
			set[l.UUID] = true
		}
	}
	return set
}

// visibleLocked returns the sorted uuids of persons holding at least one EIS
// level, rebuilding the list after a change.
func (s *Server) visibleLocked() []string {
	if s.visible != nil {
		return s.visible
	}
	eis := s.eisLevelsLocked()
	vis := make([]string, 0, len(s.persons))
	for id, p := range s.persons {
		if holdsEIS(p, eis) {
			vis = append(vis, id)
		}
	}
	slices.Sort(vis)
	s.visible = vis
	return vis
}

func holdsEIS(p *Person, eis map[string]bool) bool {
	return slices.ContainsFunc(p.AccessLevels, func(l string) bool { return eis[l] })
}

// viewLocked copies what the EIS sees of p, so the view can be encoded after
// the lock is released.
func (s *Server) viewLocked(stored *Person, eis map[string]bool) personView {
	p := clonePerson(*stored)
	levels := []string{}
	for _, l := range p.AccessLevels {
		if eis[l] {
			levels = append(levels, l)
		}
	}
	v := personView{
		UUID: p.UUID, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic,
		Organization: p.Organization, Division: p.Division, Post: p.Post, ClockNumber: p.ClockNumber,
		DocumentNumber: p.DocumentNumber, Phone: p.Phone, Email: p.Email, AccessLevels: levels,
		PassType: p.PassType, Activation: p.Activation, Expiration: p.Expiration,
		Card: p.Card, Facility: p.Facility,
	}
	if len(p.Info) > 0 {
		v.Info = p.Info
	}
	return v
}

func (s *Server) handleLevels(w http.ResponseWriter, _ *http.Request) {
	type levelView struct {
		UUID         string   `json:"uuid"`
		Name         string   `json:"name"`
		AccessPoints []string `json:"accessPoints"`
	}
	s.mu.Lock()
	out := []levelView{}
	for _, l := range s.levels {
		if l.EIS() {
			out = append(out, levelView{l.UUID, l.Name, append([]string{}, l.AccessPoints...)})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// eisPointsLocked is the set of access points the EIS may use: listed in
// the plugin settings and named by at least one EIS level.
func (s *Server) eisPointsLocked() map[string]bool {
	inLevel := map[string]bool{}
	for _, l := range s.levels {
		if l.EIS() {
			for _, ap := range l.AccessPoints {
				inLevel[ap] = true
			}
		}
	}
	set := map[string]bool{}
	for _, p := range s.points {
		if inLevel[p.Token] {
			set[p.Token] = true
		}
	}
	return set
}

func (s *Server) handlePoints(w http.ResponseWriter, _ *http.Request) {
	type pointView struct {
		Token string   `json:"token"`
		Name  string   `json:"name"`
		Tags  []string `json:"tags,omitempty"`
	}
	s.mu.Lock()
	eis := s.eisPointsLocked()
	out := []pointView{}
	for _, p := range s.points {
		if eis[p.Token] {
			out = append(out, pointView{p.Token, p.Name, append([]string(nil), p.Tags...)})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCount(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	n := len(s.visibleLocked())
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, def int) (int, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryInt(r, "limit", defaultLimit)
	if !ok || limit == 0 {
		writeError(w, http.StatusBadRequest, "limit: ожидается положительное целое число")
		return
	}
	offset, ok := queryInt(r, "offset", 0)
	if !ok {
		writeError(w, http.StatusBadRequest, "offset: ожидается неотрицательное целое число")
		return
	}
	if s.cfg.PageCap > 0 {
		limit = min(limit, s.cfg.PageCap)
	}
	s.mu.Lock()
	vis := s.visibleLocked()
	eis := s.eisLevelsLocked()
	out := []personView{}
	for i := offset; i < len(vis) && i < offset+limit; i++ {
		out = append(out, s.viewLocked(s.persons[vis[i]], eis))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePerson(w http.ResponseWriter, uuid string) {
	s.mu.Lock()
	p, ok := s.persons[uuid]
	eis := s.eisLevelsLocked()
	if !ok || !holdsEIS(p, eis) {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Владелец пропуска ВИС не найден: "+uuid)
		return
	}
	v := s.viewLocked(p, eis)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}
