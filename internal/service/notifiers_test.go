package service

import (
	"reflect"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/notify"
)

// The [notify] table becomes one notifier per channel, the SMTP password
// read from its secret; an empty table notifies no one.
func TestNotifiersFromConfig(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 5, 12, 10, 30, 0, 0, time.UTC))
	cfg := config.Notify{
		Webhook: "https://hooks.example/doorsync",
		SMTP: &config.SMTP{Host: "mail.example", Port: 587, Username: "doorsync", Password: config.NewSecret("pw-1234567", "env SMTP_PASSWORD"),
			From: "doorsync@gym.example", To: []string{"admin@gym.example"}},
	}
	got := notifiersFrom(cfg, nil, clk)
	want := notify.Multi{
		notify.Webhook{URL: "https://hooks.example/doorsync"},
		notify.SMTP{Host: "mail.example", Port: 587, Username: "doorsync", Password: "pw-1234567",
			From: "doorsync@gym.example", To: []string{"admin@gym.example"}, Clock: clk},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("notifiers = %+v\nwant %+v", got, want)
	}
	if n := notifiersFrom(config.Notify{}, nil, clk); len(n) != 0 {
		t.Errorf("an empty [notify] table built %d notifiers", len(n))
	}
}
