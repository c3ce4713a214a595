package tlenc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

func TestEncodeMatchesBinBufferAndOwnsItsBytes(t *testing.T) {
	objs := []bin.Encoder{
		&tg.UpdateShort{Update: &tg.UpdateBotCallbackQuery{QueryID: 1, UserID: 2, Peer: &tg.PeerUser{UserID: 3}, MsgID: 4}, Date: 5},
		&tg.Message{ID: 7, PeerID: &tg.PeerUser{UserID: 2}, Message: strings.Repeat("long ", 30000)}, // past maxPooled
		&tg.BoolTrue{},
	}
	var outs [][]byte
	for _, o := range objs {
		var want bin.Buffer
		if err := o.Encode(&want); err != nil {
			t.Fatal(err)
		}
		got, err := Encode(o)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Buf) {
			t.Fatalf("%T: got %x, want %x", o, got[:min(len(got), 32)], want.Buf[:min(len(want.Buf), 32)])
		}
		outs = append(outs, got)
	}
	// Later encodes reuse the scratch buffer, never the results.
	var first bin.Buffer
	_ = objs[0].Encode(&first)
	if !bytes.Equal(outs[0], first.Buf) {
		t.Fatal("a result changed after later encodes")
	}
	if _, err := Encode(&tg.Message{}); err == nil {
		t.Fatal("a message without its peer encoded")
	}
}
