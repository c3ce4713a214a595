package layer

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/gotd/td/bin"
)

// encode serializes a gotd object (Latest layer).
func encode(t testing.TB, o bin.Encoder) []byte {
	t.Helper()
	var b bin.Buffer
	if err := o.Encode(&b); err != nil {
		t.Fatalf("encode %T: %v", o, err)
	}
	return b.Copy()
}

// decodeInto parses b into o, requiring every byte to be consumed.
func decodeInto(t testing.TB, b []byte, o bin.Decoder) {
	t.Helper()
	buf := bin.Buffer{Buf: b}
	if err := o.Decode(&buf); err != nil {
		t.Fatalf("decode %T: %v", o, err)
	}
	if buf.Len() != 0 {
		t.Fatalf("decode %T: %d trailing bytes", o, buf.Len())
	}
}

var callRef = &tref{kind: kCall}

// downCall converts a Latest function call to layer: the reverse of
// UpRequest, which the API does not need but the round trips do.
func downCall(tr *Transcoder, layer int, b []byte) ([]byte, error) {
	return tr.mustTables().down[layer].convert(callRef, callRef, b, layer)
}

// upObject converts a boxed object of type typ from layer to Latest: the
// reverse of DownObject.
func upObject(tr *Transcoder, layer int, typ string, b []byte) ([]byte, error) {
	d := tr.mustTables().up[layer]
	st, err := d.src.parseType(typ)
	if err != nil {
		return nil, err
	}
	dt, err := d.dst.parseType(typ)
	if err != nil {
		return nil, err
	}
	return d.convert(st, dt, b, layer)
}

// parse decodes b as the type expression typ in schema s, with no target.
func parse(s *schema, typ string, b []byte) (value, error) {
	t, err := s.parseType(typ)
	if err != nil {
		return value{}, err
	}
	return parseRef(s, t, b)
}

func parseRef(s *schema, t *tref, b []byte) (value, error) {
	r := decoder{s: s, b: b}
	v, err := r.value(t, 0, false)
	if err == nil && r.pos != len(b) {
		err = fmt.Errorf("%d trailing bytes", len(b)-r.pos)
	}
	return v, err
}

// field returns the named field of a decoded object, failing the test if
// the constructor has no such field or it is absent.
func field(t testing.TB, v value, name string) value {
	t.Helper()
	if v.c == nil {
		t.Fatalf("field %s of a non-object", name)
	}
	i, ok := v.c.byName[name]
	if !ok || !v.kids[i].set {
		t.Fatalf("%s has no %s", v.c.name, name)
	}
	return v.kids[i]
}

// has reports whether a decoded object has the named field set.
func has(v value, name string) bool {
	i, ok := v.c.byName[name]
	return ok && v.kids[i].set
}

func (v value) int32() int32 { return int32(binary.LittleEndian.Uint32(v.raw)) }

// str decodes a short TL string (all the tests need).
func (v value) str() string {
	if v.raw[0] == 254 {
		n := int(v.raw[1]) | int(v.raw[2])<<8 | int(v.raw[3])<<16
		return string(v.raw[4 : 4+n])
	}
	return string(v.raw[1 : 1+int(v.raw[0])])
}

// wire builds TL bytes by hand for the synthetic-schema tests.
type wire []byte

func (w wire) u32(u uint32) wire { return binary.LittleEndian.AppendUint32(w, u) }
func (w wire) i64(x int64) wire  { return binary.LittleEndian.AppendUint64(w, uint64(x)) }

func (w wire) str(s string) wire {
	var b bin.Buffer
	b.PutString(s)
	return append(w, b.Buf...)
}

// mustTables builds t's conversion tables; it panics if they do not build.
func (t *Transcoder) mustTables() *tables {
	tb, err := t.tables()
	if err != nil {
		panic(err)
	}
	return tb
}
