package hikvision

import (
	"encoding/json"
	"strings"
	"time"
)

// DeviceInfo is what /ISAPI/System/deviceInfo tells about the terminal.
type DeviceInfo struct {
	DeviceName      string
	DeviceID        string
	Model           string
	SerialNumber    string
	MACAddress      string
	FirmwareVersion string
	FirmwareDate    string
	DeviceType      string
}

// DeviceTime is the terminal's clock (/ISAPI/System/time).
type DeviceTime struct {
	// Local is the terminal's time, in the site zone. A terminal that sends
	// no offset is taken to be in the site zone.
	Local    time.Time
	Mode     string // timeMode: "NTP", "manual"
	TimeZone string // the terminal's POSIX-like zone string, e.g. "CST-1:00:00DST…"
	// Skew is the terminal's clock minus ours, measured at the middle of the
	// exchange. Positive: the terminal is ahead.
	Skew time.Duration
}

// Capabilities are the UserInfo limits a terminal advertises
// (/ISAPI/AccessControl/UserInfo/capabilities). Missing values take the
// defaults of a real terminal (30 per page, 30 per EmployeeNoList,
// 2037-12-31T23:59:59 as the latest end), and Notes says which.
type Capabilities struct {
	MaxResults        int      // Search page cap (UserInfoSearchCond.maxResults @max)
	EmployeeNoListMax int      // EmployeeNoList.maxSize
	MaxRecordNum      int      // persons the terminal can hold (0: not advertised)
	Functions         []string // supportFunction, e.g. post, delete, put, get, setUp
	TimeTypes         []string // Valid.timeType options, e.g. local, UTC
	TimeRangeBegin    time.Time
	TimeRangeEnd      time.Time
	Notes             []string // defaults used and values that could not be read
}

// Supports reports whether fn (e.g. "put") is in supportFunction; a terminal
// that does not advertise functions is assumed to support everything.
func (c Capabilities) Supports(fn string) bool {
	if len(c.Functions) == 0 {
		return true
	}
	for _, f := range c.Functions {
		if strings.EqualFold(f, fn) {
			return true
		}
	}
	return false
}

// SearchQuery is one UserInfo Search request.
type SearchQuery struct {
	SearchID    string // one per scan; NewSearchID makes one
	Position    int    // searchResultPosition
	MaxResults  int    // the terminal may silently return fewer
	EmployeeNos []string
}

// Search status values, normalised from the firmware's spellings.
const (
	StatusMore    = "MORE"
	StatusOK      = "OK"
	StatusNoMatch = "NO MATCH"
)

// SearchPage is one page of Search results, already checked for internal
// consistency (numOfMatches equals the persons returned; MORE has persons).
type SearchPage struct {
	SearchID     string
	Status       string // StatusMore, StatusOK or StatusNoMatch
	NumOfMatches int
	TotalMatches int
	Users        []UserInfo
}

// UserInfo is one person as a terminal lists it. Only what the sync needs
// is decoded; Raw keeps the whole object for MessageParametersLack retries.
type UserInfo struct {
	EmployeeNo string
	Name       string
	UserType   string
	Valid      *Valid // nil when the terminal sent none
	Extends    []Extend
	// NumOfFace and NumOfCard are the faces and cards enrolled (numOfFace,
	// numOfCard); -1 when the terminal sent no readable count. A count
	// that cannot be read is not a Problem: the period is still right.
	NumOfFace int
	NumOfCard int
	Raw       json.RawMessage
	// Problems are fields that could not be decoded (named), so the person
	// is reported rather than written to.
	Problems []string
}

// Valid is a person's validity period as the terminal wrote it.
type Valid struct {
	Enable    bool // false means permanent access
	BeginTime string
	EndTime   string
	TimeType  string
}

// Extend is one PersonInfoExtends entry (the only free slot for an e-mail).
type Extend struct {
	Name  string
	Value string
}

// ModifyRequest changes one person's validity. Modify sends only
// EmployeeNo, UserType and a complete Valid.
type ModifyRequest struct {
	EmployeeNo string
	UserType   string    // as read; empty: not sent
	Begin      time.Time // as read; zero: the start of the earlier of today and End's day
	// BeginText is Begin's digits as read (localLayout), when formatting
	// Begin would not give them back; "" = Begin formatted. The begin is
	// written back exactly as the terminal holds it.
	BeginText string
	End       time.Time // new last instant of access
	// Read is the copy read before the change; a MessageParametersLack
	// reply naming a field is answered by adding that field from it. Nil:
	// the person is read again if such a reply comes.
	Read *UserInfo
}
