package service

import (
	"net/http"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// NewCardskipper builds the source client from the configuration.
func NewCardskipper(cfg *config.Config) (*cardskipper.Client, error) {
	return cardskipper.New(cardskipper.Config{
		BaseURL:  cfg.Cardskipper.URL,
		Username: cfg.Cardskipper.Username,
		Password: cfg.Cardskipper.Password.Value(),
		Zone:     cfg.Zone,
		HTTP:     &http.Client{Timeout: cfg.Cardskipper.Timeout},
	})
}

// HikvisionConfig is the client configuration of one configured terminal.
func HikvisionConfig(cfg *config.Config, h config.Hikvision, c clock.Clock) hikvision.Config {
	return hikvision.Config{
		Name:           h.Name,
		BaseURL:        h.URL,
		Username:       h.Username,
		Password:       h.Password.Value(),
		EmailField:     h.EmailField,
		TLSFingerprint: h.TLSFingerprint,
		Zone:           cfg.Zone,
		Timeout:        h.Timeout,
		Clock:          c,
	}
}
