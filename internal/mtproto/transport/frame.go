package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"

	"github.com/gotd/td/bin"
)

// Errors returned (wrapped) by ReadFrame, WriteFrame and connection detection.
var (
	// ErrFrameLength means a frame length is zero, above MaxFrameSize or not
	// aligned as the transport requires.
	ErrFrameLength = errors.New("bad frame length")
	// ErrChecksum means a full-transport frame failed its CRC32 check.
	ErrChecksum = errors.New("frame checksum mismatch")
	// ErrSeqNo means a full-transport frame carried an unexpected seq_no.
	ErrSeqNo = errors.New("frame seq_no mismatch")
	// ErrUnknownTransport means the first bytes of a connection named no
	// transport this server speaks (plain HTTP, TLS, unknown obfuscated tag).
	ErrUnknownTransport = errors.New("unknown transport")
)

// maxWriteSize bounds outgoing payloads: abridged encodes at most 2^24-1 words.
const maxWriteSize = 1 << 24

// Incoming payloads larger than readChunk are read into a buffer that grows
// as bytes arrive, so that a client announcing a large frame and sending
// nothing costs at most readChunk bytes.
const readChunk = 64 << 10

// A caller's read buffer with more capacity than shrinkAbove is replaced by a
// small one when the next frame is no larger than readChunk, so that one big
// frame does not pin a megabyte to an idle connection.
const shrinkAbove = 256 << 10

// framing is an MTProto transport framing.
type framing uint8

const (
	framingAbridged framing = iota + 1
	framingIntermediate
	framingPadded
	framingFull
)

// String returns the name used in Conn.Protocol.
func (f framing) String() string {
	switch f {
	case framingAbridged:
		return "abridged"
	case framingIntermediate:
		return "intermediate"
	case framingPadded:
		return "padded-intermediate"
	case framingFull:
		return "full"
	default:
		return fmt.Sprintf("framing(%d)", uint8(f))
	}
}

// frameReader decodes frames of one framing from a byte stream.
type frameReader struct {
	r       io.Reader
	framing framing
	seq     uint32 // next expected seq_no (full only)
	hdr     [8]byte
}

// readFrame reads the next frame's payload into buf.
//
// The quick-ack request bit (top bit of the abridged length byte or the
// intermediate length) is accepted and ignored. For padded intermediate only
// the length modulo 4 is stripped, as gotd does; tdlib-style padding of 4–15
// bytes stays at the end of the payload and must be ignored by the MTProto
// layer, which knows the real length from the message itself.
func (fr *frameReader) readFrame(buf *bin.Buffer) error {
	switch fr.framing {
	case framingAbridged:
		return fr.readAbridged(buf)
	case framingIntermediate, framingPadded:
		return fr.readIntermediate(buf)
	case framingFull:
		return fr.readFull(buf)
	default:
		return fmt.Errorf("read frame: %w: %v", ErrUnknownTransport, fr.framing)
	}
}

func (fr *frameReader) readAbridged(buf *bin.Buffer) error {
	if _, err := io.ReadFull(fr.r, fr.hdr[:1]); err != nil {
		return fmt.Errorf("read abridged length: %w", err)
	}
	words := int(fr.hdr[0] & 0x7f)
	if words == 0x7f {
		if _, err := io.ReadFull(fr.r, fr.hdr[1:4]); err != nil {
			return fmt.Errorf("read abridged long length: %w", err)
		}
		words = int(fr.hdr[1]) | int(fr.hdr[2])<<8 | int(fr.hdr[3])<<16
	}
	n := words * 4
	if n == 0 || n > MaxFrameSize {
		return fmt.Errorf("abridged: %w: %d", ErrFrameLength, n)
	}
	return fr.readPayload(buf, n)
}

func (fr *frameReader) readIntermediate(buf *bin.Buffer) error {
	if _, err := io.ReadFull(fr.r, fr.hdr[:4]); err != nil {
		return fmt.Errorf("read %v length: %w", fr.framing, err)
	}
	n := int(binary.LittleEndian.Uint32(fr.hdr[:4]) &^ (1 << 31))
	padded := fr.framing == framingPadded
	if n < 4 || n > MaxFrameSize || (!padded && n%4 != 0) {
		return fmt.Errorf("%v: %w: %d", fr.framing, ErrFrameLength, n)
	}
	if err := fr.readPayload(buf, n); err != nil {
		return err
	}
	if padded {
		buf.Buf = buf.Buf[:n-n%4]
	}
	return nil
}

func (fr *frameReader) readFull(buf *bin.Buffer) error {
	hdr := fr.hdr[:8]
	if _, err := io.ReadFull(fr.r, hdr); err != nil {
		return fmt.Errorf("read full header: %w", err)
	}
	n := int(binary.LittleEndian.Uint32(hdr[:4]))
	if n < 16 || n%4 != 0 || n-12 > MaxFrameSize {
		return fmt.Errorf("full: %w: %d", ErrFrameLength, n)
	}
	if seq := binary.LittleEndian.Uint32(hdr[4:8]); seq != fr.seq {
		return fmt.Errorf("full: %w: got %d, want %d", ErrSeqNo, seq, fr.seq)
	}
	crc := crc32.ChecksumIEEE(hdr)
	if err := fr.readPayload(buf, n-12); err != nil {
		return err
	}
	crc = crc32.Update(crc, crc32.IEEETable, buf.Buf)
	if _, err := io.ReadFull(fr.r, fr.hdr[:4]); err != nil {
		return fmt.Errorf("read full crc: %w", err)
	}
	if got := binary.LittleEndian.Uint32(fr.hdr[:4]); got != crc {
		return fmt.Errorf("full: %w: got %08x, want %08x", ErrChecksum, got, crc)
	}
	fr.seq++
	return nil
}

// readPayload reads n bytes into buf, reusing its capacity when it fits and
// otherwise growing it only as the bytes arrive, never beyond n.
func (fr *frameReader) readPayload(buf *bin.Buffer, n int) error {
	b := buf.Buf
	if cap(b) > shrinkAbove && n <= readChunk {
		b = nil
	}
	if cap(b) >= n {
		b = b[:n]
		_, err := io.ReadFull(fr.r, b)
		buf.Buf = b
		if err != nil {
			return fmt.Errorf("read payload: %w", err)
		}
		return nil
	}
	b = b[:0]
	for len(b) < n {
		step := min(n-len(b), max(readChunk, len(b)))
		b = growTo(b, len(b)+step, n)
		if _, err := io.ReadFull(fr.r, b[len(b):len(b)+step]); err != nil {
			buf.Buf = b
			return fmt.Errorf("read payload: %w", err)
		}
		b = b[:len(b)+step]
	}
	buf.Buf = b
	return nil
}

// growTo returns b with capacity for need bytes: at least double the old
// capacity, at most limit.
func growTo(b []byte, need, limit int) []byte {
	if cap(b) >= need {
		return b
	}
	nb := make([]byte, len(b), min(max(need, 2*cap(b)), limit))
	copy(nb, b)
	return nb
}

// checkPayload validates an outgoing payload.
func checkPayload(p []byte) error {
	if len(p) == 0 || len(p)%4 != 0 || len(p) >= maxWriteSize {
		return fmt.Errorf("%w: outgoing payload of %d bytes", ErrFrameLength, len(p))
	}
	return nil
}

// appendHeader appends the frame header for a payload of n bytes and
// returns it with the number of padding bytes to send after the payload.
func appendHeader(dst []byte, f framing, n int, seq uint32) ([]byte, int) {
	switch f {
	case framingAbridged:
		if words := n / 4; words < 0x7f {
			return append(dst, byte(words)), 0
		}
		return append(dst, 0x7f, byte(n>>2), byte(n>>10), byte(n>>18)), 0
	case framingPadded:
		pad := rand.IntN(4)
		return binary.LittleEndian.AppendUint32(dst, uint32(n+pad)), pad
	case framingFull:
		dst = binary.LittleEndian.AppendUint32(dst, uint32(n+12))
		return binary.LittleEndian.AppendUint32(dst, seq), 0
	default:
		return binary.LittleEndian.AppendUint32(dst, uint32(n)), 0
	}
}
