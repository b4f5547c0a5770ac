package hikvision

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/lenient"
	"github.com/doorsync/doorsync/internal/target"
)

// ISAPI paths used by the client.
const (
	pathDeviceInfo   = "/ISAPI/System/deviceInfo"
	pathTime         = "/ISAPI/System/time"
	pathCapabilities = "/ISAPI/AccessControl/UserInfo/capabilities?format=json"
	pathCount        = "/ISAPI/AccessControl/UserInfo/Count?format=json"
	pathSearch       = "/ISAPI/AccessControl/UserInfo/Search?format=json"
	pathModify       = "/ISAPI/AccessControl/UserInfo/Modify?format=json"
)

// get reads a payload from path.
func (c *Client) get(ctx context.Context, op, path string) ([]byte, error) {
	cl := call{op: op, method: http.MethodGet, path: path, read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	return c.payload(cl, rep)
}

// DeviceInfo reads model, serial number and firmware. Terminals answer XML;
// newer firmware may answer JSON, which is read as well.
func (c *Client) DeviceInfo(ctx context.Context) (DeviceInfo, error) {
	const op = "device info"
	body, err := c.get(ctx, op, pathDeviceInfo)
	if err != nil {
		return DeviceInfo{}, err
	}
	di, err := decodeDeviceInfo(body)
	if err != nil {
		return DeviceInfo{}, c.errs.Fail(target.Malformed, op, "", "reply not understood", err)
	}
	return di, nil
}

type wireDeviceInfo struct {
	DeviceName           lenient.String `json:"deviceName" xml:"deviceName"`
	DeviceID             lenient.String `json:"deviceID" xml:"deviceID"`
	Model                lenient.String `json:"model" xml:"model"`
	SerialNumber         lenient.String `json:"serialNumber" xml:"serialNumber"`
	MACAddress           lenient.String `json:"macAddress" xml:"macAddress"`
	FirmwareVersion      lenient.String `json:"firmwareVersion" xml:"firmwareVersion"`
	FirmwareReleasedDate lenient.String `json:"firmwareReleasedDate" xml:"firmwareReleasedDate"`
	DeviceType           lenient.String `json:"deviceType" xml:"deviceType"`
}

func decodeDeviceInfo(body []byte) (DeviceInfo, error) {
	b := trimBody(body)
	var w wireDeviceInfo
	switch {
	case len(b) > 0 && b[0] == '<':
		var x struct {
			XMLName xml.Name
			wireDeviceInfo
		}
		if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&x); err != nil {
			return DeviceInfo{}, fmt.Errorf("deviceInfo XML: %w", err)
		}
		if !strings.EqualFold(x.XMLName.Local, "DeviceInfo") {
			return DeviceInfo{}, fmt.Errorf("want <DeviceInfo>, got <%s>", x.XMLName.Local)
		}
		w = x.wireDeviceInfo
	case len(b) > 0 && b[0] == '{':
		var x struct {
			DeviceInfo *wireDeviceInfo `json:"DeviceInfo"`
		}
		if err := json.Unmarshal(b, &x); err != nil {
			return DeviceInfo{}, fmt.Errorf("deviceInfo JSON: %w", err)
		}
		if x.DeviceInfo == nil {
			return DeviceInfo{}, errors.New("no DeviceInfo object")
		}
		w = *x.DeviceInfo
	default:
		return DeviceInfo{}, fmt.Errorf("neither XML nor JSON (starts %s)", snippet(b))
	}
	di := DeviceInfo{
		DeviceName: clip(string(w.DeviceName)), DeviceID: clip(string(w.DeviceID)), Model: clip(string(w.Model)),
		SerialNumber: clip(string(w.SerialNumber)), MACAddress: clip(string(w.MACAddress)),
		FirmwareVersion: clip(string(w.FirmwareVersion)), FirmwareDate: clip(string(w.FirmwareReleasedDate)),
		DeviceType: clip(string(w.DeviceType)),
	}
	if di.SerialNumber == "" {
		// Results are recorded per serial: a terminal without one cannot
		// be told apart from another.
		return DeviceInfo{}, errors.New("deviceInfo has no serialNumber")
	}
	return di, nil
}

// Time reads the terminal's clock; Skew compares it with ours.
func (c *Client) Time(ctx context.Context) (DeviceTime, error) {
	const op = "device time"
	before := c.clock.Now()
	body, err := c.get(ctx, op, pathTime)
	if err != nil {
		return DeviceTime{}, err
	}
	after := c.clock.Now()
	dt, err := decodeTime(body, c.zone)
	if err != nil {
		return DeviceTime{}, c.errs.Fail(target.Malformed, op, "", "reply not understood", err)
	}
	mid := before.Add(after.Sub(before) / 2)
	dt.Skew = dt.Local.Sub(mid)
	return dt, nil
}

type wireTime struct {
	TimeMode  lenient.String `json:"timeMode" xml:"timeMode"`
	LocalTime lenient.String `json:"localTime" xml:"localTime"`
	TimeZone  lenient.String `json:"timeZone" xml:"timeZone"`
}

// decodeTime reads <Time> (or {"Time":{…}}). A localTime without an offset
// is taken to be in the site zone.
func decodeTime(body []byte, zone *time.Location) (DeviceTime, error) {
	b := trimBody(body)
	var w wireTime
	switch {
	case len(b) > 0 && b[0] == '<':
		var x struct {
			XMLName xml.Name
			wireTime
		}
		if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&x); err != nil {
			return DeviceTime{}, fmt.Errorf("time XML: %w", err)
		}
		if !strings.EqualFold(x.XMLName.Local, "Time") {
			return DeviceTime{}, fmt.Errorf("want <Time>, got <%s>", x.XMLName.Local)
		}
		w = x.wireTime
	case len(b) > 0 && b[0] == '{':
		var x struct {
			Time *wireTime `json:"Time"`
		}
		if err := json.Unmarshal(b, &x); err != nil {
			return DeviceTime{}, fmt.Errorf("time JSON: %w", err)
		}
		if x.Time == nil {
			return DeviceTime{}, errors.New("no Time object")
		}
		w = *x.Time
	default:
		return DeviceTime{}, fmt.Errorf("neither XML nor JSON (starts %s)", snippet(b))
	}
	t, err := parseLocalTime(string(w.LocalTime), zone)
	if err != nil {
		return DeviceTime{}, fmt.Errorf("localTime: %w", err)
	}
	return DeviceTime{Local: t, Mode: clip(string(w.TimeMode)), TimeZone: clip(string(w.TimeZone))}, nil
}

// Count reads how many persons the terminal holds.
func (c *Client) Count(ctx context.Context) (int, error) {
	const op = "count"
	body, err := c.get(ctx, op, pathCount)
	if err != nil {
		return 0, err
	}
	var x struct {
		UserInfoCount *struct {
			UserNumber *lenient.Int `json:"userNumber"`
		} `json:"UserInfoCount"`
	}
	if err := json.Unmarshal(body, &x); err != nil {
		return 0, c.errs.Fail(target.Malformed, op, "", "reply not understood", err)
	}
	if x.UserInfoCount == nil || x.UserInfoCount.UserNumber == nil || *x.UserInfoCount.UserNumber < 0 {
		return 0, c.errs.Fail(target.Malformed, op, "", "reply has no UserInfoCount.userNumber", nil)
	}
	return int(*x.UserInfoCount.UserNumber), nil
}
