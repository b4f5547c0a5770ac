package hikvision

import (
	"fmt"

	"github.com/doorsync/doorsync/internal/target"
)

// MajorEvent is the AcsEvent major type of door events ("event", 0x5):
// every access decision is one of them. The other majors are alarms (0x1),
// exceptions (0x2), operations (0x3) and additional information (0x4).
const MajorEvent = 0x5

// eventMinor says what a minor code of major 0x5 means. Codes and their
// meaning come from Hikvision's public Device Network SDK header
// (HCNetSDK.h, the MINOR_* constants of MAJOR_EVENT, e.g.
// MINOR_FACE_VERIFY_PASS 0x4b = 75, MINOR_CARD_INVALID_PERIOD 0x07) and the
// "Access Control Event Types" appendix of the ISAPI (Person-Based Access
// Control) developer guide, which lists the same numbers; 0x69 is followed by
// 0x70 there too. A code missing here is shown as "event 5/N". A switch
// rather than a map keeps the table constant.
func eventMinor(minor int) (target.Outcome, string, bool) {
	const (
		granted = target.OutcomeGranted
		denied  = target.OutcomeDenied
		other   = target.OutcomeOther
	)
	switch minor {
	case 0x01: // MINOR_LEGAL_CARD_PASS
		return granted, "card verified", true
	case 0x02: // MINOR_CARD_AND_PSW_PASS
		return granted, "card and password verified", true
	case 0x03: // MINOR_CARD_AND_PSW_FAIL
		return denied, "card and password: wrong password", true
	case 0x04: // MINOR_CARD_AND_PSW_TIMEOUT
		return denied, "card and password: timed out", true
	case 0x05: // MINOR_CARD_AND_PSW_OVER_TIME
		return denied, "card and password: over time", true
	case 0x06: // MINOR_CARD_NO_RIGHT
		return denied, "no permission for this door", true
	case 0x07: // MINOR_CARD_INVALID_PERIOD
		return denied, "not in validity period", true
	case 0x08: // MINOR_CARD_OUT_OF_DATE
		return denied, "expired", true
	case 0x09: // MINOR_INVALID_CARD
		return denied, "card not registered", true
	case 0x0a: // MINOR_ANTI_SNEAK_FAIL
		return denied, "anti-passback", true
	case 0x0b: // MINOR_INTERLOCK_DOOR_NOT_CLOSE
		return denied, "interlocked door not closed", true
	case 0x0c: // MINOR_NOT_BELONG_MULTI_GROUP
		return denied, "not in a multi-verification group", true
	case 0x0d: // MINOR_INVALID_MULTI_VERIFY_PERIOD
		return denied, "outside the multi-verification time", true
	case 0x0e: // MINOR_MULTI_VERIFY_SUPER_RIGHT_FAIL
		return denied, "multi-verification: no super right", true
	case 0x0f: // MINOR_MULTI_VERIFY_REMOTE_RIGHT_FAIL
		return denied, "multi-verification: no remote right", true
	case 0x10: // MINOR_MULTI_VERIFY_SUCCESS
		return granted, "multi-verification passed", true
	case 0x15: // MINOR_LOCK_OPEN
		return other, "door unlocked", true
	case 0x16: // MINOR_LOCK_CLOSE
		return other, "door locked", true
	case 0x17: // MINOR_DOOR_BUTTON_PRESS
		return other, "exit button pressed", true
	case 0x19: // MINOR_DOOR_OPEN_NORMAL
		return other, "door opened", true
	case 0x1a: // MINOR_DOOR_CLOSE_NORMAL
		return other, "door closed", true
	case 0x1b: // MINOR_DOOR_OPEN_ABNORMAL
		return other, "door forced open", true
	case 0x1c: // MINOR_DOOR_OPEN_TIMEOUT
		return other, "door held open", true
	case 0x22: // MINOR_MULTI_VERIFY_SUPERPASSWD_VERIFY_SUCCESS
		return granted, "multi-verification: super password", true
	case 0x23: // MINOR_MULTI_VERIFY_REPEAT_VERIFY
		return denied, "multi-verification: repeated", true
	case 0x24: // MINOR_MULTI_VERIFY_TIMEOUT
		return denied, "multi-verification: timed out", true
	case 0x26: // MINOR_FINGERPRINT_COMPARE_PASS
		return granted, "fingerprint verified", true
	case 0x27: // MINOR_FINGERPRINT_COMPARE_FAIL
		return denied, "fingerprint not matched", true
	case 0x28: // MINOR_CARD_FINGERPRINT_VERIFY_PASS
		return granted, "card and fingerprint verified", true
	case 0x29: // MINOR_CARD_FINGERPRINT_VERIFY_FAIL
		return denied, "card and fingerprint: no match", true
	case 0x2a: // MINOR_CARD_FINGERPRINT_VERIFY_TIMEOUT
		return denied, "card and fingerprint: timed out", true
	case 0x2b: // MINOR_CARD_FINGERPRINT_PASSWD_VERIFY_PASS
		return granted, "card, fingerprint and password", true
	case 0x2c: // MINOR_CARD_FINGERPRINT_PASSWD_VERIFY_FAIL
		return denied, "card, fingerprint, password: no match", true
	case 0x2d: // MINOR_CARD_FINGERPRINT_PASSWD_VERIFY_TIMEOUT
		return denied, "card, fingerprint, password: timed out", true
	case 0x2e: // MINOR_FINGERPRINT_PASSWD_VERIFY_PASS
		return granted, "fingerprint and password verified", true
	case 0x2f: // MINOR_FINGERPRINT_PASSWD_VERIFY_FAIL
		return denied, "fingerprint and password: no match", true
	case 0x30: // MINOR_FINGERPRINT_PASSWD_VERIFY_TIMEOUT
		return denied, "fingerprint and password: timed out", true
	case 0x31: // MINOR_FINGERPRINT_INEXISTENCE
		return denied, "fingerprint not registered", true
	case 0x36: // MINOR_FACE_AND_FP_VERIFY_PASS
		return granted, "face and fingerprint verified", true
	case 0x37: // MINOR_FACE_AND_FP_VERIFY_FAIL
		return denied, "face and fingerprint: no match", true
	case 0x38: // MINOR_FACE_AND_FP_VERIFY_TIMEOUT
		return denied, "face and fingerprint: timed out", true
	case 0x39: // MINOR_FACE_AND_PW_VERIFY_PASS
		return granted, "face and password verified", true
	case 0x3a: // MINOR_FACE_AND_PW_VERIFY_FAIL
		return denied, "face and password: no match", true
	case 0x3b: // MINOR_FACE_AND_PW_VERIFY_TIMEOUT
		return denied, "face and password: timed out", true
	case 0x3c: // MINOR_FACE_AND_CARD_VERIFY_PASS
		return granted, "face and card verified", true
	case 0x3d: // MINOR_FACE_AND_CARD_VERIFY_FAIL
		return denied, "face and card: no match", true
	case 0x3e: // MINOR_FACE_AND_CARD_VERIFY_TIMEOUT
		return denied, "face and card: timed out", true
	case 0x3f: // MINOR_FACE_AND_PW_AND_FP_VERIFY_PASS
		return granted, "face, password and fingerprint", true
	case 0x40: // MINOR_FACE_AND_PW_AND_FP_VERIFY_FAIL
		return denied, "face, password, fingerprint: no match", true
	case 0x41: // MINOR_FACE_AND_PW_AND_FP_VERIFY_TIMEOUT
		return denied, "face, password, fingerprint: timed out", true
	case 0x42: // MINOR_FACE_CARD_AND_FP_VERIFY_PASS
		return granted, "face, card and fingerprint", true
	case 0x43: // MINOR_FACE_CARD_AND_FP_VERIFY_FAIL
		return denied, "face, card, fingerprint: no match", true
	case 0x44: // MINOR_FACE_CARD_AND_FP_VERIFY_TIMEOUT
		return denied, "face, card, fingerprint: timed out", true
	case 0x45: // MINOR_EMPLOYEENO_AND_FP_VERIFY_PASS
		return granted, "person ID and fingerprint verified", true
	case 0x46: // MINOR_EMPLOYEENO_AND_FP_VERIFY_FAIL
		return denied, "person ID and fingerprint: no match", true
	case 0x47: // MINOR_EMPLOYEENO_AND_FP_VERIFY_TIMEOUT
		return denied, "person ID and fingerprint: timed out", true
	case 0x48: // MINOR_EMPLOYEENO_AND_FP_AND_PW_VERIFY_PASS
		return granted, "person ID, fingerprint and password", true
	case 0x49: // MINOR_EMPLOYEENO_AND_FP_AND_PW_VERIFY_FAIL
		return denied, "person ID, fingerprint, pw: no match", true
	case 0x4a: // MINOR_EMPLOYEENO_AND_FP_AND_PW_VERIFY_TIMEOUT
		return denied, "person ID, fingerprint, pw: timed out", true
	case 0x4b: // MINOR_FACE_VERIFY_PASS (75)
		return granted, "face verified", true
	case 0x4c: // MINOR_FACE_VERIFY_FAIL (76)
		return denied, "face not matched", true
	case 0x4d: // MINOR_EMPLOYEENO_AND_FACE_VERIFY_PASS
		return granted, "person ID and face verified", true
	case 0x4e: // MINOR_EMPLOYEENO_AND_FACE_VERIFY_FAIL
		return denied, "person ID and face: no match", true
	case 0x4f: // MINOR_EMPLOYEENO_AND_FACE_VERIFY_TIMEOUT
		return denied, "person ID and face: timed out", true
	case 0x50: // MINOR_FACE_RECOGNIZE_FAIL
		return denied, "face not recognised", true
	case 0x5e: // MINOR_FIRSTCARD_OPEN_WITHOUT_AUTHORIZE
		return denied, "first-card authorisation missing", true
	case 0x65: // MINOR_EMPLOYEENO_AND_PW_PASS
		return granted, "person ID and password verified", true
	case 0x66: // MINOR_EMPLOYEENO_AND_PW_FAIL
		return denied, "person ID and password: wrong password", true
	case 0x67: // MINOR_EMPLOYEENO_AND_PW_TIMEOUT
		return denied, "person ID and password: timed out", true
	case 0x68: // MINOR_HUMAN_DETECT_FAIL
		return denied, "no live person detected", true
	case 0x69: // MINOR_PEOPLE_AND_ID_CARD_COMPARE_PASS
		return granted, "person matches ID card", true
	case 0x70: // MINOR_PEOPLE_AND_ID_CARD_COMPARE_FAIL
		return denied, "person does not match ID card", true
	case 0x71: // MINOR_CERTIFICATE_BLACK_LIST
		return denied, "ID card on the blocklist", true
	case 0x75: // MINOR_DOOR_OPEN_OR_DORMANT_FAIL
		return denied, "door dormant", true
	case 0x76: // MINOR_AUTH_PLAN_DORMANT_FAIL
		return denied, "authentication plan dormant", true
	case 0x77: // MINOR_CARD_ENCRYPT_VERIFY_FAIL
		return denied, "card encryption check failed", true
	case 0x97: // MINOR_PASSWORD_MISMATCH
		return denied, "wrong password", true
	case 0x98: // MINOR_EMPLOYEE_NO_NOT_EXIST
		return denied, "person ID not on the terminal", true
	case 0x99: // MINOR_COMBINED_VERIFY_PASS
		return granted, "combined verification passed", true
	case 0x9a: // MINOR_COMBINED_VERIFY_TIMEOUT
		return denied, "combined verification: timed out", true
	case 0x9b: // MINOR_VERIFY_MODE_MISMATCH
		return denied, "verification mode not allowed here", true
	}
	return target.OutcomeOther, "", false
}

// Minor codes the emulator and tests name.
const (
	MinorCardVerified    = 0x01
	MinorNoPermission    = 0x06
	MinorInvalidPeriod   = 0x07
	MinorExpired         = 0x08
	MinorFaceVerified    = 0x4b
	MinorFaceNotMatched  = 0x4c
	MinorEmployeeUnknown = 0x98
)

// DescribeEvent says what an AcsEvent major/minor pair means for access.
func DescribeEvent(major, minor int) (target.Outcome, string) {
	if major == MajorEvent {
		if o, reason, ok := eventMinor(minor); ok {
			return o, reason
		}
	}
	return target.OutcomeOther, fmt.Sprintf("event %d/%d", major, minor)
}
