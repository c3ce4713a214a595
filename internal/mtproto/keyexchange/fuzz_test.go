package keyexchange

import (
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
)

// fuzzStates returns handshakes at each stage and a valid message for each.
func fuzzStates(tb testing.TB) (states []Handshake, seeds [][]byte) {
	c := newTestClient(tb, newTestServer(42, nil).NewHandshake())
	states = append(states, *c.h)
	multi := c.reqPQBody()
	c.reqPQ()
	states = append(states, *c.h)
	dh := c.dhBody(mt.PQInnerDataTempDCTypeID, nil)
	reply, _ := c.handle(dh)
	c.acceptDH(reply)
	states = append(states, *c.h)
	legacy := mustEncode(tb, &mt.ReqPqRequest{Nonce: bin.Int128{1}})
	return states, [][]byte{multi, legacy, dh, c.setBody(nil)}
}

// FuzzHandshake feeds arbitrary bodies to a handshake at every stage: it must
// never panic, an error never comes with a reply or a result, and a success
// always has a reply.
func FuzzHandshake(f *testing.F) {
	states, seeds := fuzzStates(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte{0xf1, 0x8e, 0x7e, 0xbe})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, state := range states {
			h := state
			reply, res, err := h.Handle(body)
			if err != nil && (reply != nil || res != nil) {
				t.Fatalf("error %v with a reply or result", err)
			}
			if err == nil && reply == nil {
				t.Fatal("no error and no reply")
			}
		}
	})
}
