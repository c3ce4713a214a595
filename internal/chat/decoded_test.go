package chat

import (
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

func encodeMessage(t *testing.T, m *tg.Message) []byte {
	t.Helper()
	var b bin.Buffer
	if err := m.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Raw()
}

func TestDecodedMessagesServeOnlyTheirBody(t *testing.T) {
	var d decodedMessages
	k := decodedKey{owner: 1, id: 5}
	first := encodeMessage(t, &tg.Message{ID: 5, PeerID: &tg.PeerUser{UserID: 2}, Message: "menu"})
	a, err := d.get(k, first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.get(k, append([]byte(nil), first...))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("the same body was decoded twice")
	}
	edited := encodeMessage(t, &tg.Message{ID: 5, PeerID: &tg.PeerUser{UserID: 2}, Message: "menu, edited"})
	c, err := d.get(k, edited)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c.(*tg.Message).Message != "menu, edited" {
		t.Fatalf("an edited body got %+v", c)
	}
	if other, _ := d.get(decodedKey{channel: true, owner: 1, id: 5}, first); other == c {
		t.Fatal("a channel's message shares an entry with an account's box")
	}
	if _, err := d.get(k, []byte{1, 2, 3}); err == nil {
		t.Fatal("a broken body decoded")
	}
}
