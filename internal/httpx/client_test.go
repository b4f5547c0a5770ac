package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A redirect comes back as the answer: the credentials never follow it.
func TestNewClientRefusesRedirects(t *testing.T) {
	followed := false
	mux := http.NewServeMux()
	mux.HandleFunc("/elsewhere", func(http.ResponseWriter, *http.Request) { followed = true })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	hc, err := NewClient(Transport{}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	caller := &http.Client{}
	for name, c := range map[string]*http.Client{"NewClient": hc, "Refusing": Refusing(caller)} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.SetBasicAuth("u", "p")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || followed {
			t.Errorf("%s: status %d, followed %v", name, resp.StatusCode, followed)
		}
	}
	if caller.CheckRedirect != nil {
		t.Error("Refusing changed the caller's client")
	}
	if Refusing(nil) != nil {
		t.Error("Refusing(nil) is not nil")
	}
	if err := RefuseRedirect(nil, nil); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("RefuseRedirect = %v", err)
	}
}

type roundTripper struct{}

func (roundTripper) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("no") }

func TestTransportBuild(t *testing.T) {
	mine := &http.Transport{}
	tests := []struct {
		name  string
		t     Transport
		check func(*testing.T, http.RoundTripper)
		fails bool
	}{
		{name: "the caller's, untouched", t: Transport{Base: mine, OneConn: true}, check: func(t *testing.T, rt http.RoundTripper) {
			if rt != mine {
				t.Error("not the caller's transport")
			}
		}},
		{name: "one connection", t: Transport{OneConn: true}, check: func(t *testing.T, rt http.RoundTripper) {
			tr := rt.(*http.Transport)
			if tr.MaxIdleConnsPerHost != 1 || tr.IdleConnTimeout != time.Minute {
				t.Errorf("idle %d, %s", tr.MaxIdleConnsPerHost, tr.IdleConnTimeout)
			}
		}},
		{name: "timeouts", t: Transport{HeaderTimeout: 2 * time.Minute, DialTimeout: time.Second}, check: func(t *testing.T, rt http.RoundTripper) {
			tr := rt.(*http.Transport)
			if tr.ResponseHeaderTimeout != 2*time.Minute || tr.DialContext == nil {
				t.Errorf("header timeout %s", tr.ResponseHeaderTimeout)
			}
		}},
		{name: "pinned on a clone", t: Transport{Base: mine, Pin: make([]byte, 32)}, check: func(t *testing.T, rt http.RoundTripper) {
			tr := rt.(*http.Transport)
			if tr == mine || tr.TLSClientConfig == nil || tr.TLSClientConfig.VerifyConnection == nil {
				t.Error("the pin is not on a clone")
			}
		}},
		{name: "pin needs an *http.Transport", t: Transport{Base: roundTripper{}, Pin: make([]byte, 32)}, fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc, err := NewClient(tt.t, 0)
			if tt.fails {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, hc.Transport)
		})
	}
}
