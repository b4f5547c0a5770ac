package neyross

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxRequestBody bounds an upsert request (photos are base64 inside it).
const maxRequestBody = 32 << 20

// Error texts of the upsert calls, worded after the seed's rules.
const (
	errLevelsEmpty = "поле accessLevels не может быть пустым и должно содержать один или несколько UUID УД ВИС"
	errLevelNotEIS = "уровень доступа %s не является УД ВИС: наличие других УД в поле accessLevels не допускается"
	errNotEISOwner = "владелец пропуска %s не содержит ни одного УД ВИС: изменять через API можно только владельцев, у которых уже есть хотя бы один УД ВИС"
)

// stringFields are the optional text fields an upsert may set, with where
// they live in Person.
func stringFields(p *Person) map[string]*string {
	return map[string]*string{
		"patronymic": &p.Patronymic, "organization": &p.Organization, "division": &p.Division,
		"post": &p.Post, "clock_number": &p.ClockNumber, "document_number": &p.DocumentNumber,
		"phone": &p.Phone, "email": &p.Email,
	}
}

func readRequest(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "чтение запроса: "+err.Error())
		return nil, false
	}
	if len(b) > maxRequestBody {
		writeError(w, http.StatusRequestEntityTooLarge, "запрос слишком большой")
		return nil, false
	}
	return b, true
}

func (s *Server) handleUpsert(w http.ResponseWriter, r *http.Request) {
	b, ok := readRequest(w, r)
	if !ok {
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"result": "error", "error": "тело запроса: ожидается JSON-объект владельца"})
		return
	}
	s.mu.Lock()
	_, msg := s.upsertLocked(fields)
	s.mu.Unlock()
	if msg != "" {
		writeJSON(w, http.StatusOK, map[string]string{"result": "error", "error": msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": "success"})
}

type upsertError struct {
	UUID  string `json:"uuid"`
	Error string `json:"error"`
}

func (s *Server) handleUpsertMultiple(w http.ResponseWriter, r *http.Request) {
	b, ok := readRequest(w, r)
	if !ok {
		return
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil || items == nil {
		writeError(w, http.StatusBadRequest, "тело запроса: ожидается JSON-массив владельцев")
		return
	}
	out := struct {
		SuccessList []string      `json:"successList"`
		ErrorList   []upsertError `json:"errorList"`
	}{SuccessList: []string{}, ErrorList: []upsertError{}}
	s.mu.Lock()
	for i, raw := range items {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			out.ErrorList = append(out.ErrorList, upsertError{"", fmt.Sprintf("элемент %d: ожидается JSON-объект владельца", i)})
			continue
		}
		uuid, msg := s.upsertLocked(fields)
		if msg != "" {
			out.ErrorList = append(out.ErrorList, upsertError{uuid, msg})
			continue
		}
		out.SuccessList = append(out.SuccessList, uuid)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// upsertLocked creates or changes one person by the EIS rules. It returns
// the person's uuid (as far as it could be read) and an error text, or "" on
// success. Nothing is stored unless every field is acceptable.
func (s *Server) upsertLocked(fields map[string]json.RawMessage) (string, string) {
	uuid, ok := jsonString(fields["uuid"])
	if !ok || !IsUUID(uuid) {
		return uuid, "uuid: обязательное поле, идентификатор владельца в формате UUID"
	}
	eis := s.eisLevelsLocked()
	old, exists := s.persons[uuid]
	if exists && !holdsEIS(old, eis) {
		return uuid, fmt.Sprintf(errNotEISOwner, uuid)
	}
	var next Person
	if exists {
		next = clonePerson(*old)
	} else {
		next = Person{UUID: uuid, Group: GroupAll}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"surname", &next.Surname}, {"name", &next.Name}} {
		v, ok := jsonString(fields[f.key])
		if !ok || strings.TrimSpace(v) == "" {
			return uuid, f.key + ": обязательное поле"
		}
		*f.dst = v
	}
	for key, dst := range stringFields(&next) {
		raw, sent := fields[key]
		if !sent || isNull(raw) {
			continue // not sent: kept
		}
		v, ok := jsonString(raw)
		if !ok {
			return uuid, key + ": ожидается строка"
		}
		*dst = v
	}
	levels, msg := parseLevels(fields["accessLevels"], eis)
	if msg != "" {
		return uuid, msg
	}
	if raw, sent := fields["passType"]; sent && !isNull(raw) {
		v, ok := jsonString(raw)
		if !ok || (v != PassRegular && v != PassTemporary && v != PassOneTime) {
			return uuid, "passType: возможные значения REGULAR, TEMPORARY, ONETIME"
		}
		next.PassType = v
	}
	for _, f := range []struct {
		key string
		dst **int64
	}{{"activation_date", &next.Activation}, {"expiration_date", &next.Expiration}} {
		raw, sent := fields[f.key]
		if !sent || isNull(raw) {
			continue
		}
		v, ok := jsonInt(raw)
		if !ok {
			return uuid, f.key + ": ожидается Unix timestamp в секундах (целое число)"
		}
		*f.dst = &v
	}
	if raw, sent := fields["info"]; sent && !isNull(raw) {
		var info map[string]string
		if err := json.Unmarshal(raw, &info); err != nil || info == nil {
			return uuid, `info: ожидается объект "ключ": "значение"`
		}
		if next.Info == nil {
			next.Info = map[string]string{}
		}
		// Keys not sent stay: only the sent ones change.
		for k, v := range info {
			next.Info[k] = v
		}
	}
	if raw, sent := fields["photo"]; sent && !isNull(raw) {
		v, ok := jsonString(raw)
		if _, err := base64.StdEncoding.DecodeString(v); !ok || err != nil {
			return uuid, "photo: ожидается изображение в формате BASE64"
		}
		next.Photo = v
	}
	// card and facility are read only: an upsert cannot set them.
	// Old EIS levels go, the sent ones come, the others stay.
	kept := slices.DeleteFunc(slices.Clone(next.AccessLevels), func(l string) bool { return eis[l] })
	next.AccessLevels = append(kept, levels...)
	s.persons[uuid] = &next
	s.visible = nil
	return uuid, ""
}

// parseLevels checks accessLevels: present, non-empty, EIS levels only.
func parseLevels(raw json.RawMessage, eis map[string]bool) ([]string, string) {
	var levels []string
	if len(raw) == 0 || isNull(raw) {
		return nil, errLevelsEmpty
	}
	if err := json.Unmarshal(raw, &levels); err != nil {
		return nil, "accessLevels: ожидается массив UUID УД ВИС"
	}
	if len(levels) == 0 {
		return nil, errLevelsEmpty
	}
	var out []string
	for _, l := range levels {
		if !eis[l] {
			return nil, fmt.Sprintf(errLevelNotEIS, l)
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, ""
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func jsonString(raw json.RawMessage) (string, bool) {
	var v string
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return v, true
}

// jsonInt accepts a JSON integer (a Long): no fraction, no exponent, no
// quotes.
func jsonInt(raw json.RawMessage) (int64, bool) {
	v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	return v, err == nil
}

// IsUUID reports whether s has the UUID text form (8-4-4-4-12 hex digits),
// which the platform requires of a person's id.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return true
}
