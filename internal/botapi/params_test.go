package botapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParamsFromEveryBodyKind(t *testing.T) {
	markup := `{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`
	for _, tc := range []struct {
		name string
		req  *http.Request
	}{
		{"json", withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"chat_id":42,"show_alert":true,"reply_markup":`+markup+`}`)), "application/json")},
		{"json with a serialized markup", withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"chat_id":"42","show_alert":"true","reply_markup":`+quote(markup)+`}`)), "application/json")},
		{"form", withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("chat_id=42&show_alert=1&reply_markup="+urlEscape(markup))), "application/x-www-form-urlencoded")},
		{"query", httptest.NewRequest(http.MethodGet, "/?chat_id=42&show_alert=true&reply_markup="+urlEscape(markup), nil)},
		{"multipart", multipartRequest(t, map[string]string{"chat_id": "42", "show_alert": "true", "reply_markup": markup})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseParams(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if id, err := p.int64("chat_id"); err != nil || id != 42 {
				t.Fatalf("chat_id = %d, %v", id, err)
			}
			if b, err := p.bool("show_alert"); err != nil || !b {
				t.Fatalf("show_alert = %v, %v", b, err)
			}
			var m replyMarkup
			if ok, err := p.object("reply_markup", &m); err != nil || !ok || m.InlineKeyboard[0][0].Text != "A" {
				t.Fatalf("reply_markup = %+v, %v, %v", m, ok, err)
			}
		})
	}
}

func TestParamsErrors(t *testing.T) {
	p, err := parseParams(withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"chat_id":"x","reply_markup":"{nope"}`)), "application/json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.int64("chat_id"); err == nil || err.Error() != `400 Bad Request: field "chat_id" must be of type Integer` {
		t.Errorf("chat_id error: %v", err)
	}
	var m replyMarkup
	if _, err := p.object("reply_markup", &m); err == nil || err.Error() != "400 Bad Request: can't parse reply_markup JSON object" {
		t.Errorf("reply_markup error: %v", err)
	}
	if _, err := parseParams(withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{`)), "application/json")); err == nil {
		t.Error("a broken JSON body was accepted")
	}
}

func withType(r *http.Request, ct string) *http.Request {
	r.Header.Set("Content-Type", ct)
	return r
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func urlEscape(s string) string {
	r := strings.NewReplacer(`"`, "%22", "{", "%7B", "}", "%7D", "[", "%5B", "]", "%5D", ":", "%3A", ",", "%2C")
	return r.Replace(s)
}

func TestParamsContentTypes(t *testing.T) {
	// A charset parameter still means a form; the body wins over the query.
	r := withType(httptest.NewRequest(http.MethodPost, "/?chat_id=1&text=q", strings.NewReader("chat_id=42")),
		"application/x-www-form-urlencoded; charset=utf-8")
	p, err := parseParams(r)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := p.int64("chat_id"); id != 42 || p.strs["text"] != "q" {
		t.Fatalf("form with a charset: %+v", p.strs)
	}
	// Without a Content-Type the body is not read, as net/http's ParseForm has it.
	p, err = parseParams(httptest.NewRequest(http.MethodPost, "/?chat_id=7", strings.NewReader("chat_id=42")))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := p.int64("chat_id"); id != 7 {
		t.Fatalf("no Content-Type: chat_id %d", id)
	}
	if _, err := parseParams(withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("a=%zz")), "application/x-www-form-urlencoded")); err == nil {
		t.Error("a broken form was accepted")
	}
	if _, err := parseParams(withType(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x")), "text/plain")); err == nil {
		t.Error("a text/plain body was accepted")
	}
}
