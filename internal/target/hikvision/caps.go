package hikvision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/lenient"
	"github.com/doorsync/doorsync/internal/target"
)

// What a real terminal advertises (hikvision-isapi.md → Calls), used for
// anything a terminal leaves out.
const (
	defaultMaxResults     = 30
	defaultEmployeeNoList = 30
	defaultRangeBegin     = "1970-01-01T00:00:00"
	defaultRangeEnd       = "2037-12-31T23:59:59"
	// Bounds beyond which an advertised page or list size is not believed.
	maxSaneListSize = 1000
)

// defaultCapabilities are the limits assumed when a terminal does not say.
func defaultCapabilities(zone *time.Location) Capabilities {
	b, _ := time.ParseInLocation(localLayout, defaultRangeBegin, zone)
	e, _ := time.ParseInLocation(localLayout, defaultRangeEnd, zone)
	return Capabilities{MaxResults: defaultMaxResults, EmployeeNoListMax: defaultEmployeeNoList, TimeRangeBegin: b, TimeRangeEnd: e}
}

// Capabilities reads the terminal's UserInfo limits and remembers them for
// paging and batching.
func (c *Client) Capabilities(ctx context.Context) (Capabilities, error) {
	const op = "capabilities"
	body, err := c.get(ctx, op, pathCapabilities)
	if err != nil {
		return Capabilities{}, err
	}
	caps, err := decodeCapabilities(body, c.zone)
	if err != nil {
		return Capabilities{}, c.errs.Fail(target.Malformed, op, "", "reply not understood", err)
	}
	c.capsMu.Lock()
	c.caps = &caps
	c.capsMu.Unlock()
	return caps, nil
}

// limits returns the remembered capabilities, reading them once. A terminal
// without the capabilities call (notSupport, 404) gets the defaults.
func (c *Client) limits(ctx context.Context) (Capabilities, error) {
	c.capsMu.Lock()
	if c.caps != nil {
		caps := *c.caps
		c.capsMu.Unlock()
		return caps, nil
	}
	c.capsMu.Unlock()
	caps, err := c.Capabilities(ctx)
	if err == nil {
		return caps, nil
	}
	if cl := target.ClassOf(err); cl != target.Permanent && cl != target.NotFound {
		return Capabilities{}, err
	}
	caps = defaultCapabilities(c.zone)
	caps.Notes = append(caps.Notes, "the terminal does not advertise UserInfo capabilities ("+err.Error()+"): using a real terminal's limits")
	c.capsMu.Lock()
	c.caps = &caps
	c.capsMu.Unlock()
	return caps, nil
}

// learnPageCap lowers the known page size to n after the terminal trimmed
// a page to n persons although more were asked for and more follow
// (firmware that pages below its advertised maxResults): lookups are then
// batched to what one page really holds, one request per batch.
func (c *Client) learnPageCap(n int) {
	c.capsMu.Lock()
	defer c.capsMu.Unlock()
	if c.caps != nil && n > 0 && n < c.caps.MaxResults {
		c.caps.MaxResults = n
		c.caps.Notes = append(c.caps.Notes, fmt.Sprintf("the terminal trims search pages to %d persons", n))
	}
}

// decodeCapabilities reads the capability document leniently: limits may
// be numbers, numeric strings or {"@min":…,"@max":…} objects; options may
// be "a,b" strings, arrays or {"@opt":…} objects.
func decodeCapabilities(body []byte, zone *time.Location) (Capabilities, error) {
	d := json.NewDecoder(bytes.NewReader(trimBody(body)))
	d.UseNumber()
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		return Capabilities{}, fmt.Errorf("capabilities JSON: %w", err)
	}
	ui, ok := lookup(top, "UserInfo").(map[string]any)
	if !ok {
		return Capabilities{}, errors.New("no UserInfo capabilities in the reply")
	}
	caps := defaultCapabilities(zone)
	size := func(name string, dst *int, def int, paths ...[]string) {
		for _, p := range paths {
			v := lookup(ui, p...)
			if v == nil {
				continue
			}
			n, ok := limit(v)
			if !ok || n < 1 || n > maxSaneListSize {
				caps.Notes = append(caps.Notes, fmt.Sprintf("%s %v not understood: using %d", name, v, def))
				return
			}
			*dst = n
			return
		}
		caps.Notes = append(caps.Notes, fmt.Sprintf("%s not advertised: using %d", name, def))
	}
	size("UserInfoSearchCond.maxResults", &caps.MaxResults, defaultMaxResults, []string{"UserInfoSearchCond", "maxResults"})
	size("EmployeeNoList.maxSize", &caps.EmployeeNoListMax, defaultEmployeeNoList,
		[]string{"UserInfoSearchCond", "EmployeeNoList", "maxSize"}, []string{"EmployeeNoList", "maxSize"})
	if v := lookup(ui, "maxRecordNum"); v != nil {
		if n, ok := limit(v); ok && n > 0 {
			caps.MaxRecordNum = n
		}
	}
	caps.Functions = options(lookup(ui, "supportFunction"))
	valid := lookup(ui, "Valid")
	caps.TimeTypes = options(lookup(valid, "timeType"))
	rangeTime := func(name string, dst *time.Time, def string) {
		v := lookup(valid, name)
		if v == nil {
			v = lookup(ui, name)
		}
		s, ok := v.(string)
		if !ok {
			caps.Notes = append(caps.Notes, fmt.Sprintf("Valid.%s not advertised: using %s", name, def))
			return
		}
		t, err := parseLocalTime(s, zone)
		if err != nil {
			caps.Notes = append(caps.Notes, fmt.Sprintf("Valid.%s: %v: using %s", name, err, def))
			return
		}
		*dst = t
	}
	rangeTime("timeRangeBegin", &caps.TimeRangeBegin, defaultRangeBegin)
	rangeTime("timeRangeEnd", &caps.TimeRangeEnd, defaultRangeEnd)
	if !caps.TimeRangeEnd.After(caps.TimeRangeBegin) {
		caps.Notes = append(caps.Notes, fmt.Sprintf("time range %s…%s is empty: using %s…%s",
			formatLocalTime(caps.TimeRangeBegin, zone), formatLocalTime(caps.TimeRangeEnd, zone), defaultRangeBegin, defaultRangeEnd))
		def := defaultCapabilities(zone)
		caps.TimeRangeBegin, caps.TimeRangeEnd = def.TimeRangeBegin, def.TimeRangeEnd
	}
	return caps, nil
}

// lookup walks nested objects by key, case-insensitively; nil if absent.
func lookup(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		next, ok := m[k]
		if !ok {
			for mk, mv := range m {
				if strings.EqualFold(mk, k) {
					next, ok = mv, true
					break
				}
			}
		}
		if !ok {
			return nil
		}
		v = next
	}
	return v
}

// limit reads a size: a number, a numeric string, or an object's "@max".
func limit(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := lenient.ParseInt(x.String())
		return n, err == nil
	case string:
		n, err := lenient.ParseInt(x)
		return n, err == nil
	case map[string]any:
		if m := lookup(x, "@max"); m != nil {
			return limit(m)
		}
	}
	return 0, false
}

// options reads an option list: "a,b", ["a","b"] or {"@opt": either}.
func options(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, options(e)...)
		}
	case map[string]any:
		return options(lookup(x, "@opt"))
	}
	return out
}
