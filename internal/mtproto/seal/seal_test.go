package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"

	"github.com/buttonflow/buttonflow/internal/mtproto/aesige"
)

type rawBody []byte

func (r rawBody) Encode(b *bin.Buffer) error { b.Put(r); return nil }

// Every sealed message decrypts with gotd's cipher of the other side to what
// was sealed, with 12 to 27 bytes of padding, for bodies of every length mod
// 16, in both directions.
func TestMessageDecryptsWithGotd(t *testing.T) {
	authKey := newAuthKey(t)
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
				body := patterned(n, 7)
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

// patterned is a body of n bytes that differ from one another and from
// those of other lengths and steps.
func patterned(n, step int) []byte {
	body := make([]byte, n)
	for i := range body {
		body[i] = byte(i*step + n)
	}
	return body
}

func newAuthKey(t *testing.T) crypto.AuthKey {
	t.Helper()
	var key crypto.Key
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatal(err)
	}
	return key.WithID()
}

// Open reads what gotd's cipher of the other side encrypted (with its
// random padding of up to 1024 bytes) and what Message sealed, for bodies
// of every length mod 16, in both directions.
func TestOpenReadsGotdAndMessage(t *testing.T) {
	authKey := newAuthKey(t)
	for _, tc := range []struct {
		name   string
		side   crypto.Side
		writer crypto.Cipher
	}{
		{"client to server", crypto.Client, crypto.NewClientCipher(rand.Reader)},
		{"server to client", crypto.Server, crypto.NewServerCipher(rand.Reader)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for n := 0; n <= 96; n += 4 {
				body := patterned(n, 5)
				var gotd bin.Buffer
				if err := tc.writer.Encrypt(authKey, crypto.EncryptedMessageData{
					Salt: 0x1122, SessionID: 0x3344, MessageID: 0x5566 << 2, SeqNo: 9,
					MessageDataLen: int32(n), MessageDataWithPadding: body,
				}, &gotd); err != nil {
					t.Fatal(err)
				}
				var ours bin.Buffer
				if err := Message(tc.side, authKey, 0x1122, 0x3344, 0x5566<<2, 9, rawBody(body), &ours); err != nil {
					t.Fatal(err)
				}
				for from, frame := range map[string][]byte{"gotd": gotd.Raw(), "Message": ours.Raw()} {
					m, err := Open(tc.side, authKey, frame)
					if err != nil {
						t.Fatalf("body %d from %s: %v", n, from, err)
					}
					if m.Salt != 0x1122 || m.SessionID != 0x3344 || m.MsgID != 0x5566<<2 || m.SeqNo != 9 || !bytes.Equal(m.Body, body) {
						t.Fatalf("body %d from %s: opened %+v", n, from, m)
					}
				}
			}
		})
	}
}

// sealPlain encrypts a plaintext as it is (header, body and padding already
// in it), so that tests can make messages Message would never make.
func sealPlain(side crypto.Side, k crypto.AuthKey, pt []byte) []byte {
	msgKey := crypto.MessageKey(k.Value, pt, side)
	key, iv := crypto.Keys(k.Value, msgKey, side)
	out := append(append([]byte{}, k.ID[:]...), msgKey[:]...)
	ct := make([]byte, len(pt))
	aesige.Encrypt((*[32]byte)(&key), (*[32]byte)(&iv), ct, pt)
	return append(out, ct...)
}

// plain is a plaintext of header, a body of bodyLen zero bytes (its length
// field says declared) and padding bytes of padding.
func plain(declared int32, bodyLen, padding int) []byte {
	pt := make([]byte, header+bodyLen+padding)
	binary.LittleEndian.PutUint32(pt[header-4:], uint32(declared))
	return pt
}

// Open refuses, with an error and no panic, every frame that is not a
// well-formed message of this key from this side.
func TestOpenRefusesBadFrames(t *testing.T) {
	authKey := newAuthKey(t)
	other := newAuthKey(t)
	var good bin.Buffer
	if err := Message(crypto.Client, authKey, 1, 2, 4, 1, rawBody(make([]byte, 20)), &good); err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(good.Raw())
		b[i] ^= 1
		return b
	}
	cases := map[string]struct {
		side  crypto.Side
		key   crypto.AuthKey
		frame []byte
		want  string
	}{
		"another key's id":       {crypto.Client, other, good.Raw(), "auth key id"},
		"the other side's":       {crypto.Server, authKey, good.Raw(), "msg_key"},
		"a flipped ciphertext":   {crypto.Client, authKey, flip(len(good.Raw()) - 1), "msg_key"},
		"a flipped msg_key":      {crypto.Client, authKey, flip(8), "msg_key"},
		"a partial block":        {crypto.Client, authKey, good.Raw()[:good.Len()-1], "whole blocks"},
		"too short":              {crypto.Client, authKey, good.Raw()[:40], "too short"},
		"negative length":        {crypto.Client, authKey, sealPlain(crypto.Client, authKey, plain(-4, 16, 16)), "length -4"},
		"length not 4-aligned":   {crypto.Client, authKey, sealPlain(crypto.Client, authKey, plain(6, 16, 16)), "length 6"},
		"length past the end":    {crypto.Client, authKey, sealPlain(crypto.Client, authKey, plain(64, 16, 16)), "padding"},
		"padding under 12 bytes": {crypto.Client, authKey, sealPlain(crypto.Client, authKey, plain(24, 24, 8)), "padding"},
		"padding over 1024":      {crypto.Client, authKey, sealPlain(crypto.Client, authKey, plain(0, 0, 1040)), "padding"},
	}
	for name, tc := range cases {
		if _, err := Open(tc.side, tc.key, tc.frame); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one that says %q", name, err, tc.want)
		}
	}
	if _, err := Open(crypto.Client, authKey, sealPlain(crypto.Client, authKey, plain(16, 16, 1024))); err != nil {
		t.Errorf("1024 bytes of padding: %v", err)
	}
}

// Open allocates the plaintext and nothing else.
func TestOpenAllocatesOnlyThePlaintext(t *testing.T) {
	authKey := newAuthKey(t)
	var frame bin.Buffer
	if err := Message(crypto.Client, authKey, 1, 2, 4, 1, rawBody(make([]byte, 100)), &frame); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := Open(crypto.Client, authKey, frame.Raw()); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Fatalf("%v allocations per Open, want 1", n)
	}
}
