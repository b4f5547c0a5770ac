package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A password_file readable by others, and a configuration readable by
// others whose webhook URL or SMTP settings carry a token, are warned of as
// a literal password is.
func TestLoadWarnsOfReadableSecrets(t *testing.T) {
	const smtpDoc = "\n[notify.smtp]\nhost = %q\nusername = \"mailer\"\npassword = \"${SMTP_PASSWORD}\"\nfrom = \"doorsync@example.si\"\nto = [\"admin@example.si\"]\n"
	tests := []struct {
		name      string
		mode      os.FileMode // the configuration's
		passMode  os.FileMode // ivms.pass's
		extra     string
		env       map[string]string
		warnings  []string
		forbidden []string
	}{
		{name: "password_file readable by others", mode: 0o600, passMode: 0o644,
			warnings: []string{"%d/ivms.pass is readable by everyone (mode 0644) and holds the password for hikvision.password_file; give it mode 600, owned by the user doorsync runs as"}},
		{name: "password_file readable by group", mode: 0o600, passMode: 0o640,
			warnings: []string{"%d/ivms.pass is readable by its group (mode 0640) and holds the password for hikvision.password_file; give it mode 600, owned by the user doorsync runs as"}},
		{name: "password_file owner only", mode: 0o644, passMode: 0o600},
		{name: "webhook with a token, readable by others", mode: 0o644, passMode: 0o600,
			extra:     "\n[notify]\nwebhook = \"https://hooks.example.com/services/T0001/B0002/hook-token-4242\"\n",
			warnings:  []string{"%s is readable by everyone (mode 0644) and holds a literal token for notify.webhook (in the URL); use ${VAR}"},
			forbidden: []string{"hook-token-4242"}},
		{name: "webhook with a token in the query, readable by others", mode: 0o644, passMode: 0o600,
			extra:    "\n[notify]\nwebhook = \"https://hooks.example.com/?token=hook-token-4242\"\n",
			warnings: []string{"%s is readable by everyone (mode 0644) and holds a literal token for notify.webhook (in the URL); use ${VAR}"}},
		{name: "webhook with a token, owner only", mode: 0o600, passMode: 0o600,
			extra: "\n[notify]\nwebhook = \"https://hooks.example.com/services/T0001/B0002/hook-token-4242\"\n"},
		{name: "webhook token from the environment", mode: 0o644, passMode: 0o600,
			extra: "\n[notify]\nwebhook = \"https://hooks.example.com/services/${HOOK_TOKEN}\"\n", env: map[string]string{"HOOK_TOKEN": "hook-token-4242"}},
		// Issue 11 review: a secret topic, a literal
		// token beside a ${VAR} were not warned of.
		{name: "webhook to a secret topic, readable by others", mode: 0o644, passMode: 0o600,
			extra:     "\n[notify]\nwebhook = \"https://ntfy.sh/gym-doors-secret-topic\"\n",
			warnings:  []string{"%s is readable by everyone (mode 0644) and holds a literal token for notify.webhook (in the URL); use ${VAR}"},
			forbidden: []string{"gym-doors-secret-topic"}},
		{name: "webhook with a literal token beside a variable", mode: 0o644, passMode: 0o600,
			extra: "\n[notify]\nwebhook = \"https://${HOOK_HOST}/services/T0001/B0002/hook-token-4242\"\n", env: map[string]string{"HOOK_HOST": "hooks.example.com"},
			warnings:  []string{"%s is readable by everyone (mode 0644) and holds a literal token for notify.webhook (in the URL); use ${VAR}"},
			forbidden: []string{"hook-token-4242"}},
		{name: "webhook with a plain path", mode: 0o644, passMode: 0o600,
			extra: "\n[notify]\nwebhook = \"https://hooks.example.com/doorsync\"\n"},
		{name: "webhook without a path", mode: 0o644, passMode: 0o600,
			extra: "\n[notify]\nwebhook = \"https://hooks.example.com\"\n"},
		{name: "smtp host carrying a login, readable by others", mode: 0o644, passMode: 0o600,
			extra:     strings.Replace(smtpDoc, "%q", `"mailer:smtp-token-77@mail.example.si"`, 1),
			env:       map[string]string{"SMTP_PASSWORD": "x"},
			warnings:  []string{"%s is readable by everyone (mode 0644) and holds a literal token for notify.smtp.host (in the URL); use ${VAR}"},
			forbidden: []string{"smtp-token-77"}},
		{name: "smtp literal password, readable by others", mode: 0o644, passMode: 0o600,
			extra:    strings.Replace(strings.Replace(smtpDoc, "%q", `"mail.example.si"`, 1), `"${SMTP_PASSWORD}"`, `"smtp-literal-77"`, 1),
			warnings: []string{"%s is readable by everyone (mode 0644) and holds a literal password for notify.smtp.password; use ${VAR} or password_file"}},
		{name: "smtp password_file readable by others", mode: 0o600, passMode: 0o644,
			extra: strings.Replace(strings.Replace(smtpDoc, "%q", `"mail.example.si"`, 1), `password = "${SMTP_PASSWORD}"`, `password_file = "ivms.pass"`, 1),
			warnings: []string{"%d/ivms.pass is readable by everyone (mode 0644) and holds the password for hikvision.password_file; give it mode 600, owned by the user doorsync runs as",
				"%d/ivms.pass is readable by everyone (mode 0644) and holds the password for notify.smtp.password_file; give it mode 600, owned by the user doorsync runs as"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "doorsync.toml")
			writeFile(t, path, strings.Replace(loadDoc, "%s", `"${CARDSKIPPER_PASSWORD}"`, 1)+tt.extra, tt.mode)
			writeFile(t, filepath.Join(dir, "ivms.pass"), fileIVMS+"\n", tt.passMode)
			env := func(k string) (string, bool) {
				if v, ok := tt.env[k]; ok {
					return v, true
				}
				return testEnv(k)
			}
			c, err := Load(path, env)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tt.warnings {
				want = append(want, strings.ReplaceAll(strings.ReplaceAll(w, "%s", path), "%d", dir))
			}
			eq(t, "warnings", c.Warnings, want)
			assertNoSecret(t, "warnings", strings.Join(c.Warnings, "\n"), append(tt.forbidden, fileIVMS)...)
		})
	}
}
