package report

import (
	"fmt"
	"io"
	"os"

	"github.com/doorsync/doorsync/internal/atomicfile"
)

// FileMode is the mode of a written report: reports hold members' e-mail
// addresses, so they are not world-readable.
const FileMode os.FileMode = 0o640

// WriteFile writes the report to path atomically (see atomicfile.Write).
func WriteFile(path string, r Report, format Format) error {
	if err := atomicfile.Write(path, FileMode, func(w io.Writer) error { return Write(w, r, format) }); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
