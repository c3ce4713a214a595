package seal

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
)

type rawBody []byte

func (r rawBody) Encode(b *bin.Buffer) error { b.Put(r); return nil }

// Every sealed message decrypts with gotd's cipher of the other side to what
// was sealed, with 12 to 27 bytes of padding, for bodies of every length mod
// 16, in both directions.
func TestMessageDecryptsWithGotd(t *testing.T) {
	var key crypto.Key
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatal(err)
	}
	authKey := key.WithID()
	for _, tc := range []struct {
		name   string
		side   crypto.Side
		reader crypto.Cipher
	}{
		{"server to client", crypto.Server, crypto.NewClientCipher(rand.Reader)},
		{"client to server", crypto.Client, crypto.NewServerCipher(rand.Reader)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for n := 0; n <= 96; n += 4 {
				body := make([]byte, n)
				for i := range body {
					body[i] = byte(i*7 + n)
				}
				var out bin.Buffer
				out.Put([]byte("left over from before"))
				if err := Message(tc.side, authKey, 0x1122, 0x3344, 0x5566<<2|1, 7, rawBody(body), &out); err != nil {
					t.Fatal(err)
				}
				if (out.Len()-24)%16 != 0 {
					t.Fatalf("body %d: ciphertext of %d bytes is not whole blocks", n, out.Len()-24)
				}
				data, err := tc.reader.DecryptFromBuffer(authKey, &out)
				if err != nil {
					t.Fatalf("body %d: gotd cannot decrypt: %v", n, err)
				}
				if data.Salt != 0x1122 || data.SessionID != 0x3344 || data.MessageID != 0x5566<<2|1 || data.SeqNo != 7 {
					t.Fatalf("body %d: header %+v", n, data)
				}
				if !bytes.Equal(data.Data(), body) {
					t.Fatalf("body %d: decrypted body differs", n)
				}
				if pad := len(data.MessageDataWithPadding) - n; pad < 12 || pad > 27 {
					t.Fatalf("body %d: %d bytes of padding", n, pad)
				}
			}
		})
	}
}
