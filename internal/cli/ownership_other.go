//go:build !unix

package cli

import "errors"

// systemOwnership knows no owners where there is no Unix root (Windows):
// nothing is refused.
type systemOwnership struct{}

func (systemOwnership) EffectiveUID() int { return -1 }

func (systemOwnership) Owner(string) (int, string, error) {
	return 0, "", errors.ErrUnsupported
}
