package layer

import (
	"errors"
	"testing"

	"github.com/gotd/td/bin"
)

// TestMisplacedButtonNamesItsConstructor: a layer-198 callback button in a
// reply keyboard has no form in Latest (reply rows hold reply buttons only);
// the error names the button so the server can answer BUTTON_TYPE_INVALID.
func TestMisplacedButtonNamesItsConstructor(t *testing.T) {
	tr := Default()
	s := tr.mustTables().up[198].src
	row := s.byName["keyboardButtonRow"]
	markup := s.byName["replyKeyboardMarkup"]
	cb := s.byName["keyboardButtonCallback"]
	send := s.fnByName["messages.sendMessage"]
	peer := s.byName["inputPeerSelf"]
	if row == nil || markup == nil || cb == nil || send == nil || peer == nil {
		t.Fatal("layer 198 schema lacks a constructor this test needs")
	}
	var b bin.Buffer
	b.PutID(send.id)
	b.PutInt(1 << 2) // flags: reply_markup
	b.PutID(peer.id)
	b.PutString("hi")
	b.PutLong(42)
	b.PutID(markup.id)
	b.PutInt(0) // replyKeyboardMarkup flags
	b.PutVectorHeader(1)
	b.PutID(row.id)
	b.PutVectorHeader(1)
	b.PutID(cb.id)
	b.PutInt(0)
	b.PutString("press")
	b.PutBytes([]byte("data"))
	_, err := tr.UpRequest(198, b.Raw())
	var ce *ConstructorError
	if !errors.As(err, &ce) || ce.Constructor != "keyboardButtonCallback" || !errors.Is(err, ErrNoEquivalent) {
		t.Fatalf("error %v, want a ConstructorError naming keyboardButtonCallback", err)
	}
}
