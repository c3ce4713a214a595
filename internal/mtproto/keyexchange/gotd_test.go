package keyexchange

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/proto"
)

// pipeConn is a transport.Conn framing each message with a 4-byte
// little-endian length, over one end of a net.Pipe.
type pipeConn struct{ c net.Conn }

func (p pipeConn) Send(_ context.Context, b *bin.Buffer) error { return writeFrame(p.c, b.Raw()) }

func (p pipeConn) Recv(_ context.Context, b *bin.Buffer) error {
	frame, err := readFrame(p.c)
	if err != nil {
		return err
	}
	b.ResetTo(frame)
	return nil
}

func (p pipeConn) Close() error { return p.c.Close() }

func writeFrame(w io.Writer, data []byte) error {
	frame := binary.LittleEndian.AppendUint32(nil, uint32(len(data)))
	_, err := w.Write(append(frame, data...))
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	frame := make([]byte, binary.LittleEndian.Uint32(n[:]))
	_, err := io.ReadFull(r, frame)
	return frame, err
}

// serveExchange runs h over conn until it yields a result or fails.
func serveExchange(conn net.Conn, h *Handshake) (*Result, error) {
	for {
		frame, err := readFrame(conn)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		var msg proto.UnencryptedMessage
		if err := msg.Decode(&bin.Buffer{Buf: frame}); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		reply, res, err := h.Handle(msg.MessageData)
		if err != nil {
			return nil, err
		}
		if reply != nil {
			out := proto.UnencryptedMessage{
				MessageID:   int64(proto.NewMessageID(time.Now(), proto.MessageServerResponse)),
				MessageData: reply,
			}
			var b bin.Buffer
			if err := out.Encode(&b); err != nil {
				return nil, err
			}
			if err := writeFrame(conn, b.Raw()); err != nil {
				return nil, fmt.Errorf("write: %w", err)
			}
		}
		if res != nil {
			return res, nil
		}
	}
}

type serveResult struct {
	res *Result
	err error
}

// TestGotdClient runs gotd's client exchange against our Handshake.
func TestGotdClient(t *testing.T) {
	tests := []struct {
		name    string
		dc      int
		temp    int
		wantTTL time.Duration
	}{
		{name: "permanent", dc: testDC},
		{name: "permanent test DC", dc: testDC + 10000},
		{name: "temporary", dc: testDC, temp: 7200, wantTTL: 2 * time.Hour},
		{name: "temporary media DC", dc: -testDC, temp: 86400 * 7, wantTTL: MaxTempKeyLifetime},
	}
	s := NewServer(testKey(), Options{DC: testDC, Clock: testClock})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientEnd, serverEnd := net.Pipe()
			defer clientEnd.Close()
			done := make(chan serveResult, 1)
			go func() {
				defer serverEnd.Close()
				res, err := serveExchange(serverEnd, s.NewHandshake())
				done <- serveResult{res, err}
			}()

			ex := exchange.NewExchanger(pipeConn{clientEnd}, tt.dc).WithRand(seeded(byte(100 + i)))
			if tt.temp != 0 {
				ex = ex.WithTempMode(tt.temp)
			}
			got, err := ex.Client([]exchange.PublicKey{{RSA: &testKey().PublicKey}}).Run(t.Context())
			if err != nil {
				t.Fatalf("client: %v", err)
			}
			sr := <-done
			if sr.err != nil {
				t.Fatalf("server: %v", sr.err)
			}
			checkAgainstClient(t, sr.res, got, tt.dc, tt.temp != 0, tt.wantTTL)
		})
	}
}

func checkAgainstClient(t *testing.T, res *Result, got exchange.ClientExchangeResult, dc int, temp bool, ttl time.Duration) {
	t.Helper()
	if res.Key != got.AuthKey {
		t.Error("auth key differs from the client's")
	}
	if res.Key.ID != res.Key.Value.ID() {
		t.Error("auth key id is not the key's")
	}
	if res.ServerSalt != got.ServerSalt {
		t.Errorf("salt %d, client has %d", res.ServerSalt, got.ServerSalt)
	}
	if res.Temp != temp || res.DC != dc {
		t.Errorf("Temp, DC = %v, %d; want %v, %d", res.Temp, res.DC, temp, dc)
	}
	if temp && !res.ExpiresAt.Equal(testNow.Add(ttl)) {
		t.Errorf("ExpiresAt %v, want %v", res.ExpiresAt, testNow.Add(ttl))
	}
}

// TestGotdClientWrongDC checks that the gotd client naming another DC gets
// no key.
func TestGotdClientWrongDC(t *testing.T) {
	s := NewServer(testKey(), Options{DC: testDC})
	clientEnd, serverEnd := net.Pipe()
	defer clientEnd.Close()
	done := make(chan error, 1)
	go func() {
		defer serverEnd.Close()
		_, err := serveExchange(serverEnd, s.NewHandshake())
		done <- err
	}()
	ex := exchange.NewExchanger(pipeConn{clientEnd}, testDC+1).WithRand(seeded(7))
	if _, err := ex.Client([]exchange.PublicKey{{RSA: &testKey().PublicKey}}).Run(t.Context()); err == nil {
		t.Error("client succeeded")
	}
	err := <-done
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeWrongDC {
		t.Errorf("server: %v, want code %d", err, CodeWrongDC)
	}
}
