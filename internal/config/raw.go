package config

import (
	"reflect"
	"strings"
)

// The raw* types mirror the file one to one. go-toml decodes into them with
// unknown keys disallowed; pointers tell "absent" (take the default) from
// "present" (validate). Build turns them into Config.

type rawConfig struct {
	EnvFile     *string         `toml:"env_file"`
	Timezone    *string         `toml:"timezone"`
	Database    *string         `toml:"database"`
	RetryBudget *duration       `toml:"retry_budget"`
	Cardskipper *rawCardskipper `toml:"cardskipper"`
	Hikvision   []rawHikvision  `toml:"hikvision"`
	Neyross     *rawNeyross     `toml:"neyross"`
	NTK         *rawNTK         `toml:"ntk"`
	Policy      *rawPolicy      `toml:"policy"`
	Notify      *rawNotify      `toml:"notify"`
}

// duration is a Go duration string ("90s", "1h"); a type of its own so
// type errors can say so.
type duration string

type rawCardskipper struct {
	URL             *string   `toml:"url"`
	Username        *string   `toml:"username"`
	Password        *string   `toml:"password"`
	PasswordFile    *string   `toml:"password_file"`
	OrganisationID  *int64    `toml:"organisation_id"`
	Roles           []int64   `toml:"roles"`
	IncludeChildren *bool     `toml:"include_children"`
	Timeout         *duration `toml:"timeout"`
}

type rawHikvision struct {
	Name           *string   `toml:"name"`
	URL            *string   `toml:"url"`
	Username       *string   `toml:"username"`
	Password       *string   `toml:"password"`
	PasswordFile   *string   `toml:"password_file"`
	EmailField     *string   `toml:"email_field"`
	TLSFingerprint *string   `toml:"tls_fingerprint"`
	Timeout        *duration `toml:"timeout"`
	RetryBudget    *duration `toml:"retry_budget"`
}

type rawNeyross struct {
	Name        *string   `toml:"name"`
	URL         *string   `toml:"url"`
	Token       *string   `toml:"token"`
	TokenFile   *string   `toml:"token_file"`
	Batch       *int64    `toml:"batch"`
	Timeout     *duration `toml:"timeout"`
	RetryBudget *duration `toml:"retry_budget"`
}

type rawNTK struct {
	Name         *string            `toml:"name"`
	URL          *string            `toml:"url"`
	Username     *string            `toml:"username"`
	Password     *string            `toml:"password"`
	PasswordFile *string            `toml:"password_file"`
	CardField    *string            `toml:"card_field"`
	Zones        map[string][]int64 `toml:"zones"`
	StudentRoles []int64            `toml:"student_roles"`
	StudentTags  []string           `toml:"student_tags"`
	MinInterval  *duration          `toml:"min_interval"`
	Timeout      *duration          `toml:"timeout"`
	RetryBudget  *duration          `toml:"retry_budget"`
}

type rawPolicy struct {
	Auto                 *[]string `toml:"auto"`
	MaxRevocations       *int64    `toml:"max_revocations"`
	MaxRevocationPercent *float64  `toml:"max_revocation_percent"`
}

type rawNotify struct {
	Webhook *string  `toml:"webhook"`
	SMTP    *rawSMTP `toml:"smtp"`
}

type rawSMTP struct {
	Host         *string  `toml:"host"`
	Port         *int64   `toml:"port"`
	Username     *string  `toml:"username"`
	Password     *string  `toml:"password"`
	PasswordFile *string  `toml:"password_file"`
	From         *string  `toml:"from"`
	To           []string `toml:"to"`
}

// schemaType follows a path (table and key names; "[n]" array indices)
// through the raw types. ok is false at the first name the schema lacks;
// known then holds the path up to and including that name.
func schemaType(path []string) (t reflect.Type, known int, ok bool) {
	t = reflect.TypeFor[rawConfig]()
	for i, part := range path {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			f, found := fieldByTag(t, part)
			if !found {
				return nil, i + 1, false
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		case reflect.Slice:
			if !isIndex(part) {
				return nil, i + 1, false
			}
			t = t.Elem()
		default:
			return nil, i + 1, false
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, len(path), true
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if tomlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// knownKeys lists the keys a table accepts (for "did you mean").
func knownKeys(table []string) []string {
	t, _, ok := schemaType(table)
	if !ok || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		keys = append(keys, tomlName(f))
	}
	return keys
}

// describeGoType says in words what a value of a Go type looks like in
// TOML, from the type's name as go-toml's type mismatch messages give it ("int64", "[]config.rawHikvision").
func describeGoType(name string) string {
	name = strings.TrimLeft(name, "*")
	if elem, ok := strings.CutPrefix(name, "[]"); ok {
		switch e := strings.TrimLeft(elem, "*"); {
		case isTableType(e):
			return "an array of tables"
		case e == "string":
			return "an array of strings"
		case e == "int64" || e == "int":
			return "an array of integers"
		}
		return "an array"
	}
	switch {
	case name == "config.duration":
		return `a duration such as "30s" or "1h"`
	case name == "string":
		return "a string"
	case name == "int64" || name == "int":
		return "an integer"
	case name == "float64":
		return "a number"
	case name == "bool":
		return "true or false"
	case isTableType(name):
		return "a table"
	}
	return "another type"
}

func isTableType(name string) bool {
	return strings.HasPrefix(name, "map[") || strings.HasPrefix(name, "config.raw") || strings.HasPrefix(name, "struct")
}
