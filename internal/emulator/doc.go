// Package emulator holds what every emulator shares: latency and fault
// injection and a request log that tests read. The emulators themselves live
// in sub-packages (cardskipper, hikvision, …) as http.Handlers with in-memory
// state; dataset generates their contents. Emulators are part of the product:
// `doorsync demo` runs them and the test suite runs against them.
package emulator
