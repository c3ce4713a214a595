package transport

import (
	"bufio"
	"fmt"
	"io"
)

// detection is what the first bytes of a connection told about it.
type detection struct {
	framing framing
	obf     obfuscation // obf.dec is nil unless obfuscated2
}

// protocol names the detected transport as Conn.Protocol reports it.
func (d detection) protocol(prefix string) string {
	if d.obf.dec != nil {
		prefix += "obfuscated2+"
	}
	return prefix + d.framing.String()
}

// detect reads a TCP connection's transport header from br and leaves br at
// the first frame (for full, the header is the first frame's length, so
// nothing is consumed).
func detect(br *bufio.Reader) (detection, error) {
	b, err := br.Peek(1)
	if err != nil {
		return detection{}, fmt.Errorf("read transport header: %w", err)
	}
	if b[0] == 0xef {
		_, _ = br.Discard(1)
		return detection{framing: framingAbridged}, nil
	}
	if b, err = br.Peek(4); err != nil {
		return detection{}, fmt.Errorf("read transport header: %w", err)
	}
	switch [4]byte(b) {
	case [4]byte{0xee, 0xee, 0xee, 0xee}:
		_, _ = br.Discard(4)
		return detection{framing: framingIntermediate}, nil
	case [4]byte{0xdd, 0xdd, 0xdd, 0xdd}:
		_, _ = br.Discard(4)
		return detection{framing: framingPadded}, nil
	}
	if err := rejectForeign([4]byte(b)); err != nil {
		return detection{}, err
	}
	if b, err = br.Peek(8); err != nil {
		return detection{}, fmt.Errorf("read transport header: %w", err)
	}
	if b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 {
		return detection{framing: framingFull}, nil
	}
	return detectObfuscated(br)
}

// detectObfuscated reads an obfuscated2 init packet from br.
func detectObfuscated(br io.Reader) (detection, error) {
	var init [obfuscatedInitSize]byte
	if _, err := io.ReadFull(br, init[:]); err != nil {
		return detection{}, fmt.Errorf("read obfuscated2 init: %w", err)
	}
	obf, err := acceptObfuscated2(&init)
	if err != nil {
		return detection{}, err
	}
	f, err := framingForTag(obf.tag)
	if err != nil {
		return detection{}, err
	}
	return detection{framing: f, obf: obf}, nil
}

// rejectForeign refuses plain HTTP and TLS, which clients never send as an
// MTProto start (obfuscated2 clients skip such random inits).
func rejectForeign(b [4]byte) error {
	switch string(b[:]) {
	case "GET ", "POST", "HEAD", "OPTI":
		return fmt.Errorf("%w: plain HTTP", ErrUnknownTransport)
	}
	if b[0] == 0x16 && b[1] == 0x03 {
		return fmt.Errorf("%w: TLS", ErrUnknownTransport)
	}
	return nil
}

// newFrameReader returns the frame reader for a detected transport reading
// from br.
func newFrameReader(br io.Reader, d detection) frameReader {
	r := br
	if d.obf.dec != nil {
		r = &cipherReader{r: br, s: d.obf.dec}
	}
	return frameReader{r: r, framing: d.framing}
}
