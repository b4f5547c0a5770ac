package hikvision

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/target"
)

const deviceInfoXML = `<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<deviceName>Entrance</deviceName><deviceID>48a5f2b0-1d1e-11b2-8080-bcbac2a1b2c3</deviceID>
<model>DS-K1T671MF</model><serialNumber>DS-K1T671MF20220812CCWRJ12345678</serialNumber>
<macAddress>bc:ba:c2:a1:b2:c3</macAddress><firmwareVersion>V3.2.30</firmwareVersion>
<firmwareReleasedDate>build 220812</firmwareReleasedDate><deviceType>ACS</deviceType>
</DeviceInfo>`

func TestDecodeDeviceInfo(t *testing.T) {
	cases := []struct {
		name, body, serial, errHas string
	}{
		{name: "XML", body: deviceInfoXML, serial: "DS-K1T671MF20220812CCWRJ12345678"},
		{name: "JSON", body: `{"DeviceInfo":{"deviceName":"Entrance","model":"DS-K1T671MF","serialNumber":"X1","firmwareVersion":"V3.2.30"}}`, serial: "X1"},
		{name: "no serial", body: `<DeviceInfo><model>x</model></DeviceInfo>`, errHas: "no serialNumber"},
		{name: "other root", body: `<Time><localTime>x</localTime></Time>`, errHas: "want <DeviceInfo>"},
		{name: "truncated", body: deviceInfoXML[:200], errHas: "deviceInfo XML"},
		{name: "text", body: "hello", errHas: "neither XML nor JSON"},
		{name: "JSON without object", body: `{"x":1}`, errHas: "no DeviceInfo"},
	}
	for _, tc := range cases {
		di, err := decodeDeviceInfo([]byte(tc.body))
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: want %q, got %v", tc.name, tc.errHas, err)
			}
			continue
		}
		if err != nil || di.SerialNumber != tc.serial || di.Model == "" {
			t.Errorf("%s: %+v, %v", tc.name, di, err)
		}
	}
}

func TestDeviceCalls(t *testing.T) {
	zone := testZone(t)
	_, srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case pathDeviceInfo:
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte(deviceInfoXML))
		case pathTime:
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Time version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">` +
				`<timeMode>NTP</timeMode><localTime>2025-11-01T10:02:30+01:00</localTime><timeZone>CST-1:00:00DST00:30:00,M3.5.0/02:00:00,M10.5.0/03:00:00</timeZone></Time>`))
		default:
			http.NotFound(w, r)
		}
	})
	clk := clock.NewManual(time.Date(2025, 11, 1, 10, 0, 0, 0, zone))
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk })
	ctx := context.Background()
	di, err := c.DeviceInfo(ctx)
	if err != nil || di.SerialNumber != "DS-K1T671MF20220812CCWRJ12345678" || di.FirmwareVersion != "V3.2.30" {
		t.Fatalf("DeviceInfo %+v, %v", di, err)
	}
	dt, err := c.Time(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dt.Skew != 150*time.Second || dt.Mode != "NTP" || !strings.HasPrefix(dt.TimeZone, "CST-1") {
		t.Errorf("Time %+v", dt)
	}
	_, err = c.Count(ctx)
	if target.ClassOf(err) != target.Permanent || !strings.Contains(err.Error(), "HTTP 404: the terminal does not offer /ISAPI/AccessControl/UserInfo/Count") {
		t.Errorf("404 without envelope: %v", err)
	}
}

func TestDecodeTimeWithoutOffset(t *testing.T) {
	zone := testZone(t)
	dt, err := decodeTime([]byte(`{"Time":{"timeMode":"manual","localTime":"2025-07-01T12:00:00"}}`), zone)
	if err != nil || !dt.Local.Equal(time.Date(2025, 7, 1, 12, 0, 0, 0, zone)) {
		t.Errorf("%+v, %v", dt, err)
	}
	if _, err := decodeTime([]byte(`<Time><localTime>soon</localTime></Time>`), zone); err == nil {
		t.Error("bad localTime accepted")
	}
}

func TestDecodeCapabilities(t *testing.T) {
	zone := testZone(t)
	cases := []struct {
		name       string
		body       string
		maxResults int
		listMax    int
		end        string
		funcs      string
		notes      int
		errHas     string
	}{
		{name: "real terminal", body: `{"UserInfo":{"supportFunction":{"@opt":"post,delete,put,get,setUp"},"maxRecordNum":1500,
			"UserInfoSearchCond":{"searchID":{"@min":1,"@max":36},"maxResults":{"@min":1,"@max":30},"EmployeeNoList":{"maxSize":30,"employeeNo":{"@min":1,"@max":32}}},
			"Valid":{"enable":{"@opt":[true,false]},"timeRangeBegin":"2000-01-01T00:00:00","timeRangeEnd":"2037-12-31T23:59:59","timeType":{"@opt":"local,UTC"}}}}`,
			maxResults: 30, listMax: 30, end: "2037-12-31T23:59:59", funcs: "post,delete,put,get,setUp"},
		{name: "strings and arrays", body: `{"UserInfo":{"supportFunction":["get","put"],"UserInfoSearchCond":{"maxResults":"10","EmployeeNoList":{"maxSize":"5"}},
			"Valid":{"timeRangeEnd":"2030-12-31T23:59:59"}}}`, maxResults: 10, listMax: 5, end: "2030-12-31T23:59:59", funcs: "get,put", notes: 1},
		{name: "nothing advertised", body: `{"UserInfo":{}}`, maxResults: 30, listMax: 30, end: "2037-12-31T23:59:59", notes: 4},
		{name: "nonsense sizes", body: `{"UserInfo":{"UserInfoSearchCond":{"maxResults":{"@max":0},"EmployeeNoList":{"maxSize":"lots"}},"Valid":{"timeRangeBegin":"2000-01-01T00:00:00","timeRangeEnd":"garbage"}}}`,
			maxResults: 30, listMax: 30, end: "2037-12-31T23:59:59", notes: 3},
		{name: "empty range", body: `{"UserInfo":{"UserInfoSearchCond":{"maxResults":30,"EmployeeNoList":{"maxSize":30}},"Valid":{"timeRangeBegin":"2030-01-01T00:00:00","timeRangeEnd":"2020-01-01T00:00:00"}}}`,
			maxResults: 30, listMax: 30, end: "2037-12-31T23:59:59", notes: 1},
		{name: "not capabilities", body: `{"DeviceInfo":{}}`, errHas: "no UserInfo capabilities"},
		{name: "garbage", body: `{"UserInfo":`, errHas: "capabilities JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			caps, err := decodeCapabilities([]byte(tc.body), zone)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("want %q, got %v", tc.errHas, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if caps.MaxResults != tc.maxResults || caps.EmployeeNoListMax != tc.listMax || formatLocalTime(caps.TimeRangeEnd, zone) != tc.end ||
				strings.Join(caps.Functions, ",") != tc.funcs || len(caps.Notes) != tc.notes {
				t.Errorf("got %+v", caps)
			}
		})
	}
}

func TestOddHTTPReplies(t *testing.T) {
	cases := []struct {
		name   string
		h      http.HandlerFunc
		class  target.Class
		errHas string
	}{
		{name: "redirect", h: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://10.0.0.20/ISAPI/AccessControl/UserInfo/Count?format=json", http.StatusFound)
		}, class: target.Permanent, errHas: `redirected (HTTP 302) to "https://10.0.0.20/`},
		{name: "gigantic reply", h: func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat(" ", 1<<16))
			for range (maxBody >> 16) + 2 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, class: target.Malformed, errHas: "reply larger than 16 MiB"},
		{name: "HTML error page", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><body>Bad Gateway</body></html>"))
		}, class: target.Transient, errHas: `HTTP 502 (body "<html><body>Bad Gateway</body></html>")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newFake(t, tc.h)
			c := newTestClient(t, srv.URL, func(c *Config) { c.Timeout = time.Minute })
			_, err := c.Count(context.Background())
			if target.ClassOf(err) != tc.class || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("want %v with %q, got %v", tc.class, tc.errHas, err)
			}
		})
	}
}
