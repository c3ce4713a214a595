package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

func TestLoginURL(t *testing.T) {
	const token = "123:AAsecret"
	now := time.Unix(1700000000, 0)
	for _, c := range []struct {
		name, target string
		user         store.User
		// check is the data-check-string the website rebuilds.
		check, query string
	}{
		{
			name:   "every field",
			target: "https://example.com/login",
			user:   store.User{ID: 42, FirstName: "Ann", LastName: "Lee", Username: "ann"},
			check:  "auth_date=1700000000\nfirst_name=Ann\nid=42\nlast_name=Lee\nusername=ann",
			query:  "id=42&first_name=Ann&last_name=Lee&username=ann&auth_date=1700000000",
		},
		{
			name:   "no last name or username, the site's own query and fragment kept",
			target: "https://example.com/login?next=%2Fhome#top",
			user:   store.User{ID: 7, FirstName: "Bo Ek"},
			check:  "auth_date=1700000000\nfirst_name=Bo Ek\nid=7",
			query:  "next=%2Fhome&id=7&first_name=Bo+Ek&auth_date=1700000000",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			target, err := url.Parse(c.target)
			if err != nil {
				t.Fatal(err)
			}
			got, err := url.Parse(loginURL(target, &c.user, token, now))
			if err != nil {
				t.Fatal(err)
			}
			key := sha256.Sum256([]byte(token))
			m := hmac.New(sha256.New, key[:])
			m.Write([]byte(c.check))
			want := c.query + "&hash=" + hex.EncodeToString(m.Sum(nil))
			if got.RawQuery != want {
				t.Fatalf("query %q,\nwant  %q", got.RawQuery, want)
			}
			if got.Fragment != target.Fragment || got.Path != target.Path || got.Host != target.Host {
				t.Fatalf("login URL %s from %s", got, target)
			}
		})
	}
}
