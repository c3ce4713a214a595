// Package tlenc serializes TL objects without the string of growing
// buffers an empty bin.Buffer goes through: each object is encoded into a
// pooled scratch buffer and copied out at its exact size, one allocation.
// The pool serves other encoders too (Buffer, Release).
package tlenc

import (
	"fmt"
	"sync"

	"github.com/gotd/td/bin"
)

// maxPooled is the largest scratch buffer kept for reuse; a bigger one (a
// long history) is left to the collector.
const maxPooled = 64 << 10

var scratch = sync.Pool{New: func() any { return &bin.Buffer{Buf: make([]byte, 0, 1024)} }}

// Buffer returns an empty scratch buffer from the pool; give it back with
// Release once nothing refers to its bytes.
func Buffer() *bin.Buffer {
	b := scratch.Get().(*bin.Buffer)
	b.Reset()
	return b
}

// Release returns b to the pool, unless it grew past maxPooled.
func Release(b *bin.Buffer) {
	if cap(b.Buf) <= maxPooled {
		b.Reset()
		scratch.Put(b)
	}
}

// Encode returns e serialized, in a slice of its own.
func Encode(e bin.Encoder) ([]byte, error) {
	b := Buffer()
	defer Release(b)
	if err := e.Encode(b); err != nil {
		return nil, fmt.Errorf("encode %T: %w", e, err)
	}
	out := make([]byte, b.Len())
	copy(out, b.Buf)
	return out, nil
}
