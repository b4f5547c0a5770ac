package hikvision

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type deviceInfo struct {
	XMLName              xml.Name `xml:"DeviceInfo" json:"-"`
	Version              string   `xml:"version,attr" json:"-"`
	XMLNS                string   `xml:"xmlns,attr" json:"-"`
	DeviceName           string   `xml:"deviceName" json:"deviceName"`
	DeviceID             string   `xml:"deviceID" json:"deviceID"`
	Model                string   `xml:"model" json:"model"`
	SerialNumber         string   `xml:"serialNumber" json:"serialNumber"`
	MACAddress           string   `xml:"macAddress" json:"macAddress"`
	FirmwareVersion      string   `xml:"firmwareVersion" json:"firmwareVersion"`
	FirmwareReleasedDate string   `xml:"firmwareReleasedDate" json:"firmwareReleasedDate"`
	EncoderVersion       string   `xml:"encoderVersion" json:"encoderVersion"`
	DeviceType           string   `xml:"deviceType" json:"deviceType"`
	SubDeviceType        string   `xml:"subDeviceType" json:"subDeviceType"`
}

func (t *Terminal) deviceInfo() deviceInfo {
	sum := sha256.Sum256([]byte(t.cfg.Serial))
	version, released, _ := strings.Cut(t.cfg.Firmware, " ")
	return deviceInfo{
		Version:              "2.0",
		XMLNS:                xmlNS,
		DeviceName:           "Access Controller",
		DeviceID:             fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]),
		Model:                t.cfg.Model,
		SerialNumber:         t.cfg.Serial,
		MACAddress:           fmt.Sprintf("c0:56:e3:%02x:%02x:%02x", sum[16], sum[17], sum[18]), // Hikvision OUI
		FirmwareVersion:      version,
		FirmwareReleasedDate: strings.TrimSpace(released),
		EncoderVersion:       "V2.0",
		DeviceType:           "ACS",
		SubDeviceType:        "accessControlTerminal",
	}
}

func (t *Terminal) handleDeviceInfo(w http.ResponseWriter, r *http.Request) {
	di := t.deviceInfo()
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, struct {
			DeviceInfo deviceInfo `json:"DeviceInfo"`
		}{di})
		return
	}
	writeXML(w, http.StatusOK, di)
}

type timeDoc struct {
	XMLName   xml.Name `xml:"Time" json:"-"`
	Version   string   `xml:"version,attr" json:"-"`
	XMLNS     string   `xml:"xmlns,attr" json:"-"`
	TimeMode  string   `xml:"timeMode" json:"timeMode"`
	LocalTime string   `xml:"localTime" json:"localTime"`
	TimeZone  string   `xml:"timeZone" json:"timeZone"`
}

func (t *Terminal) handleTime(w http.ResponseWriter, r *http.Request) {
	now := t.localNow()
	mode := "NTP"
	if t.cfg.ClockSkew != 0 {
		mode = "manual" // a terminal whose clock drifts is not synchronised
	}
	doc := timeDoc{Version: "2.0", XMLNS: xmlNS, TimeMode: mode,
		LocalTime: now.Format("2006-01-02T15:04:05-07:00"), TimeZone: hikTimeZone(t.cfg.Zone, now.Year())}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, struct {
			Time timeDoc `json:"Time"`
		}{doc})
		return
	}
	writeXML(w, http.StatusOK, doc)
}

// hikTimeZone renders loc the way terminals report it: a POSIX TZ string
// with Hikvision's fixed "CST" name and inverted sign (UTC+1 is "CST-1:00:00"),
// then "DST" with the DST shift and the two transition rules, e.g.
// "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00" for Central Europe.
func hikTimeZone(loc *time.Location, year int) string {
	start, end, std, dst := dstTransitions(loc, year)
	s := "CST" + posixOffset(-std)
	if start.IsZero() {
		return s
	}
	return fmt.Sprintf("%sDST%s,%s,%s", s, hms(dst-std), posixRule(start, std), posixRule(end, dst))
}

// dstTransitions finds the instants in year when DST starts and ends, and the
// standard and DST offsets in seconds. Zero instants: no DST that year.
func dstTransitions(loc *time.Location, year int) (start, end time.Time, std, dst int) {
	t0 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	_, prev := t0.In(loc).Zone()
	std, dst = prev, prev
	var changes []time.Time
	for d := 1; d <= 366; d++ {
		t1 := t0.AddDate(0, 0, d)
		if _, off := t1.In(loc).Zone(); off != prev {
			changes = append(changes, firstChange(loc, t1.AddDate(0, 0, -1), t1, prev))
			prev = off
		}
		if t1.Year() != year {
			break
		}
	}
	if len(changes) != 2 {
		return time.Time{}, time.Time{}, std, std // no DST, or a one-off zone change
	}
	_, a := changes[0].In(loc).Zone()
	_, b := changes[1].In(loc).Zone()
	if a > b { // northern hemisphere: the first change moves clocks forward
		return changes[0], changes[1], b, a
	}
	return changes[1], changes[0], a, b
}

// firstChange narrows [lo, hi) to the second at which the offset leaves old.
func firstChange(loc *time.Location, lo, hi time.Time, old int) time.Time {
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if _, off := mid.In(loc).Zone(); off == old {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// posixRule is "Mm.w.d/hh:mm:ss" for a transition at instant t, given in the
// wall time of the offset in force before it.
func posixRule(t time.Time, before int) string {
	wall := t.UTC().Add(time.Duration(before) * time.Second)
	week := (wall.Day()-1)/7 + 1
	if wall.AddDate(0, 0, 7).Month() != wall.Month() {
		week = 5 // "last" weekday of the month
	}
	return fmt.Sprintf("M%d.%d.%d/%s", int(wall.Month()), week, int(wall.Weekday()),
		hms(wall.Hour()*3600+wall.Minute()*60+wall.Second()))
}

func posixOffset(sec int) string {
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, sec/3600, sec/60%60, sec%60)
}

func hms(sec int) string {
	return fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}
