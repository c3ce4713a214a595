package layer

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// conversion is one call of the API on fixed input, for the tests that
// mutate or truncate inputs.
type conversion struct {
	name string
	in   []byte
	run  func(tr *Transcoder, b []byte) ([]byte, error)
}

// conversions returns valid inputs for every API entry point.
func conversions(t testing.TB) []conversion {
	tr := Default()
	var cs []conversion
	for _, tc := range requestCases() {
		in198, err := downCall(tr, 198, encode(t, tc.req))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, conversion{"UpRequest " + tc.name, in198, func(tr *Transcoder, b []byte) ([]byte, error) {
			return tr.UpRequest(198, b)
		}})
	}
	for typ, obj := range map[string]bin.Encoder{
		"Updates":     updates(2),
		"User":        user(3),
		"ReplyMarkup": replyKeyboard(),
	} {
		cs = append(cs, conversion{"DownObject " + typ, encode(t, obj), func(tr *Transcoder, b []byte) ([]byte, error) {
			return tr.DownObject(198, typ, b)
		}})
	}
	cs = append(cs,
		conversion{"DownResult help.getConfig", encode(t, config()), func(tr *Transcoder, b []byte) ([]byte, error) {
			return tr.DownResult(198, tg.HelpGetConfigRequestTypeID, b)
		}},
		conversion{"DownResult Vector<long>", encode(t, &tg.LongVector{Elems: []int64{1, 2}}), func(tr *Transcoder, b []byte) ([]byte, error) {
			return tr.DownResult(198, tg.MessagesReceivedQueueRequestTypeID, b)
		}},
	)
	return cs
}

func TestTruncatedInputAtEveryOffset(t *testing.T) {
	tr := Default()
	for _, c := range conversions(t) {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.run(tr, c.in); err != nil {
				t.Fatalf("full input: %v", err)
			}
			for n := 0; n < len(c.in); n++ {
				// A copy with no spare capacity, so a read past the end
				// would panic instead of seeing stale bytes.
				cut := bytes.Clone(c.in[:n])
				if _, err := c.run(tr, cut); !errors.Is(err, ErrMalformed) {
					t.Fatalf("truncated to %d of %d bytes: err = %v, want ErrMalformed", n, len(c.in), err)
				}
			}
		})
	}
}

// nestedJSON is a JSON array nested depth times: the deepest a client can
// nest with a legal schema type.
func nestedJSON(depth int) tg.JSONValueClass {
	var v tg.JSONValueClass = &tg.JSONNull{}
	for i := 0; i < depth; i++ {
		v = &tg.JSONArray{Value: []tg.JSONValueClass{v}}
	}
	return v
}

func TestNestingIsBounded(t *testing.T) {
	tr := Default()
	// Each array is two levels: the object and its vector.
	shallow := encode(t, nestedJSON(maxDepth/2-1))
	if _, err := tr.DownObject(198, "JSONValue", shallow); err != nil {
		t.Errorf("depth %d: %v", maxDepth/2-1, err)
	}
	deep := encode(t, nestedJSON(10000))
	_, err := tr.DownObject(198, "JSONValue", deep)
	assertErr(t, err, ErrMalformed, "nesting deeper than 64")
}

func TestNestedWrappersAreBounded(t *testing.T) {
	tr := Default()
	ok := nestedInvoke(maxDepth)
	if got, err := tr.UpRequest(198, ok); err != nil || &got[0] != &ok[0] {
		t.Errorf("depth %d: %v (unchanged calls come back as is)", maxDepth, err)
	}
	_, err := tr.UpRequest(198, nestedInvoke(maxDepth+2))
	assertErr(t, err, ErrMalformed, "nesting deeper than 64")
}

func TestAbsurdVectorLengths(t *testing.T) {
	tr := Default()
	for _, n := range []uint32{3, 1 << 20, 0x7fffffff, 0xffffffff} {
		in := wire{}.u32(vectorID).u32(n).i64(1).i64(2)
		_, err := tr.DownResult(198, tg.MessagesReceivedQueueRequestTypeID, in)
		assertErr(t, err, ErrMalformed, "elements in 16 bytes")
	}
}

func TestConcurrentUse(t *testing.T) {
	tr := Default()
	cs := conversions(t)
	want := make([][]byte, len(cs))
	for i, c := range cs {
		want[i], _ = c.run(tr, c.in)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, c := range cs {
				got, err := c.run(tr, c.in)
				if err != nil || !bytes.Equal(got, want[i]) {
					t.Errorf("%s: differs under concurrency (%v)", c.name, err)
				}
			}
		}()
	}
	wg.Wait()
}
