package transport

import (
	"bufio"
	"bytes"
	"runtime"
	"testing"

	"github.com/gotd/td/bin"
)

// fuzzSeeds are starts of every kind the detector knows, good and bad.
func fuzzSeeds(t testing.TB) [][]byte {
	return [][]byte{
		{},
		{0xef, 0x02, 1, 2, 3, 4, 5, 6, 7, 8},
		{0xef, 0x7f, 0xff, 0xff, 0xff},
		cat(ee, le32(8), []byte("abcdefgh")),
		cat(ee, le32(0x80000008), []byte("abcdefgh")),
		cat(dd, le32(7), []byte("abcdefg")),
		fullFrame(0, []byte("abcdefgh"), 0),
		cat(fullFrame(0, []byte("abcd"), 0), fullFrame(1, []byte("abcdefgh"), 0)),
		obfuscatedStart(t, tagIntermediate, cat(le32(8), []byte("abcdefgh"))),
		obfuscatedStart(t, tagAbridged, []byte{0x7f, 0xff, 0xff, 0xff}),
		obfuscatedStart(t, [4]byte{1, 2, 3, 4}, nil),
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		{0x16, 0x03, 0x01, 0x02, 0x00},
	}
}

// readAll reads frames from fr until an error and checks each one. The read
// buffer, the only allocation of any size, must never outgrow MaxFrameSize
// nor, by more than one read chunk, twice the bytes actually received.
func readAll(t *testing.T, fr *frameReader, inputLen int) {
	var buf bin.Buffer
	limit := min(MaxFrameSize+12, max(readChunk, 2*inputLen))
	for {
		err := fr.readFrame(&buf)
		if cap(buf.Buf) > limit {
			t.Fatalf("read buffer grew to %d bytes from %d input bytes", cap(buf.Buf), inputLen)
		}
		if err != nil {
			return
		}
		if len(buf.Buf) == 0 || len(buf.Buf) > MaxFrameSize {
			t.Fatalf("frame of %d bytes", len(buf.Buf))
		}
	}
}

// checkAlloc fails if f allocates more than MaxFrameSize bytes in total,
// or more than in proportion to its input when that is larger.
func checkAlloc(t *testing.T, inputLen int, f func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	limit := max(MaxFrameSize, 8*inputLen+4*readChunk)
	if d := after.TotalAlloc - before.TotalAlloc; d > uint64(limit) {
		t.Fatalf("allocated %d bytes reading %d input bytes", d, inputLen)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAlloc(t, len(data), func() {
			br := bufio.NewReaderSize(bytes.NewReader(data), readBufferSize)
			d, err := detect(br)
			if err != nil {
				return
			}
			if d.framing < framingAbridged || d.framing > framingFull {
				t.Fatalf("detected framing %v", d.framing)
			}
			fr := newFrameReader(br, d)
			readAll(t, &fr, len(data))
		})
	})
}

func FuzzFrameReaders(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAlloc(t, len(data), func() {
			for fm := framingAbridged; fm <= framingFull; fm++ {
				fr := frameReader{r: bytes.NewReader(data), framing: fm}
				readAll(t, &fr, len(data))
			}
		})
	})
}

// FuzzFrameRoundTrip checks that what frameConn.encode writes, frameReader
// reads back, for every framing.
func FuzzFrameRoundTrip(f *testing.F) {
	f.Add([]byte("abcd"), uint16(1))
	f.Add(bytes.Repeat([]byte{7}, 600), uint16(3))
	f.Fuzz(func(t *testing.T, payload []byte, count uint16) {
		payload = payload[:len(payload)&^3]
		if len(payload) == 0 {
			return
		}
		count = count%4 + 1
		for fm := framingAbridged; fm <= framingFull; fm++ {
			var out bytes.Buffer
			c := &frameConn{framing: fm, bw: bufio.NewWriter(&out)}
			for range count {
				if err := c.encode(payload); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.bw.Flush(); err != nil {
				t.Fatal(err)
			}
			fr := frameReader{r: &out, framing: fm}
			var buf bin.Buffer
			for i := range count {
				if err := fr.readFrame(&buf); err != nil {
					t.Fatalf("%v frame %d: %v", fm, i, err)
				}
				if !bytes.Equal(buf.Buf, payload) {
					t.Fatalf("%v frame %d: got %d bytes, want %d", fm, i, len(buf.Buf), len(payload))
				}
			}
		}
	})
}
