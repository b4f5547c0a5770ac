package hikvision

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// xmlNS is the namespace every ISAPI XML document carries.
const xmlNS = "http://www.hikvision.com/ver20/XMLSchema"

// ISAPI status codes and the errorCode numbers terminals send with them.
// Numbers come from Hikvision's published error tables where they exist
// (0x20000004 deviceBusy, 0x40000003 badAuthorization, 0x60000017
// badJsonContent, 0x60000019 MessageParametersLack, …); the spec warns that
// they differ between firmware, so clients match on subStatusCode.
const (
	codeOK                  = 0x1
	codeDeviceBusy          = 0x20000004
	codeNotSupport          = 0x40000001
	codeBadAuthorization    = 0x40000003
	codeMethodNotAllowed    = 0x40000004
	codeInvalidOperation    = 0x40000006 // [I] by its place in the subStatusCode list
	codeBadXMLFormat        = 0x50000001
	codeBadParameters       = 0x60000001
	codeBadJSONContent      = 0x60000017
	codeMessageParamsLack   = 0x60000019
	codeEmployeeNoExists    = 0x60006020
	codeEmployeeNoNotExist  = 0x60006021
	codeDeviceUserFull      = 0x60006022 // [I] inferred: not in the public tables
	statusStringOK          = "OK"
	statusStringBusy        = "Device Busy"
	statusStringInvalidOp   = "Invalid Operation"
	statusStringInvalidFmt  = "Invalid Format"
	statusStringInvalidCont = "Invalid Content"
)

// apiError is one ISAPI failure answer: the HTTP status it travels with
// (often 200: terminals put errors in the body) and the envelope fields.
type apiError struct {
	HTTP         int
	StatusCode   int
	StatusString string
	SubStatus    string
	ErrorCode    int
	ErrorMsg     string
}

func badJSONContent(msg string) *apiError {
	return &apiError{http.StatusBadRequest, 6, statusStringInvalidCont, "badJsonContent", codeBadJSONContent, msg}
}

func paramsLack(field string) *apiError {
	return &apiError{http.StatusBadRequest, 6, statusStringInvalidCont, "MessageParametersLack", codeMessageParamsLack, field}
}

func employeeNoNotExist() *apiError {
	// HTTP 200: the terminal reports a missing person inside a success status.
	return &apiError{http.StatusOK, 6, statusStringInvalidCont, "employeeNoNotExist", codeEmployeeNoNotExist, "employeeNoNotExist"}
}

func employeeNoAlreadyExist() *apiError {
	return &apiError{http.StatusOK, 6, statusStringInvalidCont, "employeeNoAlreadyExist", codeEmployeeNoExists, "employeeNoAlreadyExist"}
}

func deviceUserFull() *apiError {
	return &apiError{http.StatusOK, 6, statusStringInvalidCont, "deviceUserFull", codeDeviceUserFull, "deviceUserFull"}
}

func deviceBusy() *apiError {
	return &apiError{http.StatusOK, 2, statusStringBusy, "deviceBusy", codeDeviceBusy, "deviceBusy"}
}

func notSupport() *apiError {
	return &apiError{http.StatusNotFound, 4, statusStringInvalidOp, "notSupport", codeNotSupport, "notSupport"}
}

func methodNotAllowed() *apiError {
	return &apiError{http.StatusMethodNotAllowed, 4, statusStringInvalidOp, "methodNotAllowed", codeMethodNotAllowed, "methodNotAllowed"}
}

// oldNonce is limited-reuse firmware's refusal of a used-up nonce (sent
// without a challenge; the real devices' errorMsg is not on record).
func oldNonce() *apiError {
	return &apiError{http.StatusUnauthorized, 4, statusStringInvalidOp, "invalidOperation", codeInvalidOperation,
		"the nonce is old: request a new one"}
}

func badXMLFormat() *apiError {
	// A JSON-only call without ?format=json: the terminal tries to read the
	// request as XML and fails.
	return &apiError{http.StatusBadRequest, 5, statusStringInvalidFmt, "badXmlFormat", codeBadXMLFormat, "badXmlFormat"}
}

// wantsJSON reports whether the request asked for JSON (?format=json);
// everything else is answered in XML, as terminals do.
func wantsJSON(r *http.Request) bool {
	return strings.EqualFold(r.URL.Query().Get("format"), "json")
}

func requestURL(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

type statusJSON struct {
	RequestURL    string `json:"requestURL"`
	StatusCode    int    `json:"statusCode"`
	StatusString  string `json:"statusString"`
	SubStatusCode string `json:"subStatusCode"`
	ErrorCode     int    `json:"errorCode"`
	ErrorMsg      string `json:"errorMsg"`
}

type statusXML struct {
	XMLName       xml.Name `xml:"ResponseStatus"`
	Version       string   `xml:"version,attr"`
	XMLNS         string   `xml:"xmlns,attr"`
	RequestURL    string   `xml:"requestURL"`
	StatusCode    int      `xml:"statusCode"`
	StatusString  string   `xml:"statusString"`
	SubStatusCode string   `xml:"subStatusCode"`
	ErrorCode     int      `xml:"errorCode"`
	ErrorMsg      string   `xml:"errorMsg"`
}

// writeError answers with the envelope in the request's format.
func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	if wantsJSON(r) {
		writeErrorJSON(w, r, e)
		return
	}
	writeErrorXML(w, r, e)
}

func writeErrorJSON(w http.ResponseWriter, r *http.Request, e *apiError) {
	writeJSON(w, e.HTTP, statusJSON{requestURL(r), e.StatusCode, e.StatusString, e.SubStatus, e.ErrorCode, e.ErrorMsg})
}

func writeErrorXML(w http.ResponseWriter, r *http.Request, e *apiError) {
	writeXML(w, e.HTTP, statusXML{Version: "2.0", XMLNS: xmlNS, RequestURL: requestURL(r),
		StatusCode: e.StatusCode, StatusString: e.StatusString, SubStatusCode: e.SubStatus,
		ErrorCode: e.ErrorCode, ErrorMsg: e.ErrorMsg})
}

// writeOK is the success answer of a write: exactly the three fields the
// spec shows.
func writeOK(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, struct {
			StatusCode    int    `json:"statusCode"`
			StatusString  string `json:"statusString"`
			SubStatusCode string `json:"subStatusCode"`
		}{codeOK, statusStringOK, "ok"})
		return
	}
	writeXML(w, http.StatusOK, statusXML{Version: "2.0", XMLNS: xmlNS, RequestURL: requestURL(r),
		StatusCode: 1, StatusString: statusStringOK, SubStatusCode: "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only emulator-built values get here; a failure is a bug worth a 500.
		http.Error(w, "emulator: encode JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=\"UTF-8\"")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "emulator: encode XML: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=\"UTF-8\"")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
