package transport

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/gotd/td/mtproxy"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
)

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// fullFrame encodes a full-transport frame; crcXor corrupts its checksum.
func fullFrame(seq uint32, payload []byte, crcXor uint32) []byte {
	b := cat(le32(uint32(len(payload)+12)), le32(seq), payload)
	return cat(b, le32(crc32.ChecksumIEEE(b)^crcXor))
}

// obfuscatedStart returns an obfuscated2 init with tag followed by the
// encrypted stream bytes.
func obfuscatedStart(t testing.TB, tag [4]byte, stream []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	o := obfuscated2.NewObfuscated2(rand.Reader, &out)
	if err := o.Handshake(tag, 2, mtproxy.Secret{}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write(stream); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var (
	tagIntermediate = codec.IntermediateClientStart
	tagAbridged     = [4]byte{0xef, 0xef, 0xef, 0xef}
	ee              = tagIntermediate[:]
	dd              = codec.PaddedIntermediateClientStart[:]
)

type malformedCase struct {
	name  string
	input func(t testing.TB) []byte
	want  error // the handler's ReadFrame error; nil: rejected before the handler
}

func malformedCases() []malformedCase {
	fixed := func(b ...[]byte) func(testing.TB) []byte {
		return func(testing.TB) []byte { return cat(b...) }
	}
	return []malformedCase{
		{"intermediate too large", fixed(ee, le32(MaxFrameSize+4)), ErrFrameLength},
		{"intermediate zero", fixed(ee, le32(0)), ErrFrameLength},
		{"intermediate negative", fixed(ee, le32(0xfffffffc)), ErrFrameLength},
		{"intermediate unaligned", fixed(ee, le32(6), []byte("abcdef")), ErrFrameLength},
		{"padded zero", fixed(dd, le32(0)), ErrFrameLength},
		{"padded too large", fixed(dd, le32(MaxFrameSize+1)), ErrFrameLength},
		{"abridged too large", fixed([]byte{0xef, 0x7f, 0xff, 0xff, 0xff}), ErrFrameLength},
		{"abridged zero", fixed([]byte{0xef, 0x00}), ErrFrameLength},
		{"full too large", fixed(le32(MaxFrameSize+16), le32(0)), ErrFrameLength},
		{"full negative", fixed(le32(0xfffffff0), le32(0)), ErrFrameLength},
		{"full empty payload", fixed(fullFrame(0, nil, 0)), ErrFrameLength},
		{"full unaligned", fixed(fullFrame(0, []byte("abcdef"), 0)), ErrFrameLength},
		{"full bad crc", fixed(fullFrame(0, []byte("abcdefgh"), 1)), ErrChecksum},
		// A first frame with seq_no 1 cannot exist: it would be taken for an
		// obfuscated2 init. The second frame is the first that can be wrong.
		{"full bad seq_no", fixed(fullFrame(0, []byte("abcd"), 0), fullFrame(0, []byte("abcdefgh"), 0)), ErrSeqNo},
		{"obfuscated too large", func(t testing.TB) []byte {
			return obfuscatedStart(t, tagIntermediate, le32(MaxFrameSize+4))
		}, ErrFrameLength},
		{"obfuscated abridged zero", func(t testing.TB) []byte {
			return obfuscatedStart(t, tagAbridged, []byte{0})
		}, ErrFrameLength},
		{"obfuscated unknown tag", func(t testing.TB) []byte {
			return obfuscatedStart(t, [4]byte{1, 2, 3, 4}, le32(8))
		}, nil},
		{"obfuscated full tag", func(t testing.TB) []byte {
			return obfuscatedStart(t, [4]byte{}, le32(8))
		}, nil},
		{"http get", fixed([]byte("GET /apiws HTTP/1.1\r\nHost: x\r\n\r\n")), nil},
		{"http post", fixed([]byte("POST /api HTTP/1.1\r\n\r\n")), nil},
		{"http head", fixed([]byte("HEAD / HTTP/1.1\r\n\r\n")), nil},
		{"http options", fixed([]byte("OPTIONS * HTTP/1.1\r\n\r\n")), nil},
		{"tls client hello", fixed([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}), nil},
	}
}

func TestMalformedInputEndsOnlyThatConnection(t *testing.T) {
	protos := make(chan string, 1)
	errs := make(chan error, 1)
	addr, _ := startServe(t, echoHandler(protos, errs), ListenerOptions{})
	ctx := testCtx(t)
	witness := plainClient(func() codec.Codec { return codec.Intermediate{} })(t, addr)
	handshake(t, ctx, witness)
	<-protos
	for _, tc := range malformedCases() {
		t.Run(tc.name, func(t *testing.T) {
			nc := dialTCP(t, addr)
			if _, err := nc.Write(tc.input(t)); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, nc)
			herr, proto := tryRecv(errs), tryRecv(protos)
			switch {
			case tc.want != nil && !errors.Is(herr, tc.want):
				t.Errorf("handler error = %v, want %v", herr, tc.want)
			case tc.want == nil && (herr != nil || proto != ""):
				t.Errorf("handler ran (%q, %v), want rejection before it", proto, herr)
			}
			roundTrip(t, ctx, witness, randomBytes(32))
		})
	}
}

// tryRecv returns a value ready on ch, or the zero value.
func tryRecv[T any](ch chan T) T {
	var v T
	select {
	case v = <-ch:
	default:
	}
	return v
}
