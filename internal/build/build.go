// Package build carries the version stamped in at link time by goreleaser or
// the Makefile (-X github.com/doorsync/doorsync/internal/build.Version=…), with
// a fallback to the module and VCS information Go embeds in every binary.
package build

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by the linker; empty in a plain `go build`.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `doorsync version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// Read returns the stamped values, filled from debug.ReadBuildInfo where the
// linker left them empty.
func Read() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}

func (i Info) String() string {
	return fmt.Sprintf("doorsync %s (commit %s, built %s, %s)", i.Version, i.Commit, i.Date, i.Go)
}
