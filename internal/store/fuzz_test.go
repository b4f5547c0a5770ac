package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// The snapshot decoders read blobs back from a file anyone with access could
// have damaged: whatever the bytes, they return a whole list or an error,
// never panic, and whatever they accept survives a round trip through the
// format written today (format 2) unchanged.
//
// The fuzzers feed their input as the body inside a blob of either format
// (so mutations explore the JSON and the binary layers) and as the blob
// itself (the gzip layer).

func FuzzDecodeMembers(f *testing.F) {
	for _, s := range []string{`[]`, `null`, `[{}]`, `{"id":"1"}`, `[{"roles":[{"org":1,"role":2,"start":"2025-02-29"}]}]`,
		`[{"email":"a@b.si","extra":["1","2","3","4"]}]`, `[{"roles":[{"end":"9999-12-31T23:59:59+14:00"}]}]`,
		`[{"id":"150002","email":"ziga.ceh@example.si","raw_email":" Ziga.Ceh@Example.si","first":"Žiga","last":"Čeh",` +
			`"roles":[{"org":1,"role":10,"start":"2025-01-01","end":"2025-11-01"}],"tags":["fitnes"],"extra":["0012345678","",""],` +
			`"problems":["x"]}]`, "not json", "", "m\x00", "m\x01", "a\x00", "m\x01\x011"} {
		f.Add([]byte(s))
	}
	good, err := encodeMembers(sampleMembers())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(gunzipped(f, good))
	f.Fuzz(func(t *testing.T, data []byte) {
		body := gzipBytes(t, string(data))
		checkMembers(t, decodeMembersJSON, data)
		checkMembers(t, decodeMembersJSON, body)
		checkMembers(t, decodeMembers, data)
		checkMembers(t, decodeMembers, body)
	})
}

func checkMembers(t *testing.T, decode func([]byte) ([]member.Member, error), blob []byte) {
	ms, err := decode(blob)
	if err != nil {
		if ms != nil {
			t.Fatalf("error %v with %d members", err, len(ms))
		}
		return
	}
	again, err := encodeMembers(ms)
	if err != nil {
		t.Fatalf("re-encode accepted members: %v", err)
	}
	back, err := decodeMembers(again)
	if err != nil {
		t.Fatalf("decode re-encoded members: %v", err)
	}
	if !reflect.DeepEqual(back, ms) {
		t.Fatalf("round trip changed members:\n%+v\n%+v", ms, back)
	}
}

func FuzzDecodeAccounts(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":"1","end":"2025-11-01T23:59:59+01:00"}]`, `[{"id":"1","attrs":{"a":null}}]`,
		`[{"id":"","name":"x"}]`, `[{"id":"1","begin":"0000-01-01T00:00:00Z"}]`, `[{"id":"1"}] garbage`,
		`[{"id":"1042","name":"Ziga Ceh","email":"ziga.ceh@example.si","begin":"2024-01-01T00:00:00+01:00",` +
			`"end":"2025-11-01T23:59:59+01:00","permanent":true,"attrs":{"userType":"normal"},"problems":["p"]}]`,
		"a\x00", "a\x01\x011\x00\x00\x00\x00\x00\x00\x00", "a\x01\x011\x00\x00\x01\x01\x00\x00\x00\x00", "m\x00"} {
		f.Add([]byte(s))
	}
	good, err := encodeAccounts(sampleAccounts(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(gunzipped(f, good))
	f.Fuzz(func(t *testing.T, data []byte) {
		body := gzipBytes(t, string(data))
		checkAccounts(t, decodeAccountsJSON, data)
		checkAccounts(t, decodeAccountsJSON, body)
		checkAccounts(t, decodeAccounts, data)
		checkAccounts(t, decodeAccounts, body)
	})
}

func checkAccounts(t *testing.T, decode func([]byte) ([]target.Account, error), blob []byte) {
	as, err := decode(blob)
	if err != nil {
		if as != nil {
			t.Fatalf("error %v with %d accounts", err, len(as))
		}
		return
	}
	for _, a := range as {
		if a.ID == "" {
			t.Fatalf("accepted an account without id: %+v", a)
		}
	}
	again, err := encodeAccounts(as)
	if err != nil {
		t.Fatalf("re-encode accepted accounts: %v", err)
	}
	back, err := decodeAccounts(again)
	if err != nil || len(back) != len(as) {
		t.Fatalf("decode re-encoded accounts: %d of %d, %v", len(back), len(as), err)
	}
	for i := range as {
		if !back[i].End.Equal(as[i].End) || !back[i].Begin.Equal(as[i].Begin) || back[i].ID != as[i].ID ||
			back[i].Name != as[i].Name || back[i].Email != as[i].Email || back[i].Permanent != as[i].Permanent ||
			!reflect.DeepEqual(back[i].Attrs, as[i].Attrs) || !reflect.DeepEqual(back[i].Problems, as[i].Problems) {
			t.Fatalf("round trip changed account %d:\n%+v\n%+v", i, as[i], back[i])
		}
	}
}

// gunzipped is a blob's body, a seed for the binary layer.
func gunzipped(t testing.TB, blob []byte) []byte {
	t.Helper()
	body, err := gunzip(blob)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"", "2025-11-01T22:59:59.000000000Z", "2025-11-01T23:59:59+01:00", "0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z", "2025-13-01T00:00:00Z", "yesterday", "2025-11-01T22:59:59.000000000Z\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("parseTime(%q) in %v, want UTC", s, got.Location())
		}
		enc, err := encTime(got)
		if err != nil {
			t.Fatalf("encTime(parseTime(%q)): %v", s, err)
		}
		if enc == nil {
			if !got.IsZero() {
				t.Fatalf("non-zero time %v encoded as NULL", got)
			}
			return
		}
		back, err := parseTime(enc.(string))
		if err != nil || !back.Equal(got) {
			t.Fatalf("round trip %q → %v → %q → %v, %v", s, got, enc, back, err)
		}
	})
}
