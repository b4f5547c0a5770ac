// Package lenient reads JSON from devices and platforms that are sloppy
// about types, without being blind: booleans arrive as "true" or 1, numbers
// as "30" or 30.0, identifiers as bare numbers, one-element arrays as the
// object itself. Every reader accepts those spellings and names what it got
// when it cannot ("want an integer, got \"x\""), so one odd field does not
// make a whole page unreadable and a bad one says why.
//
// The Hikvision and NEYROSS clients both read through it; key spelling
// differences in case are absorbed by encoding/json, or by Field for raw
// objects.
package lenient
