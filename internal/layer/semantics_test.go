package layer

import (
	"bytes"
	"testing"
	"testing/fstest"
)

// Two small synthetic layers exercise each conversion rule with exact bytes.
const (
	synthLatest = `boolFalse#bc799737 = Bool;
boolTrue#997275b5 = Bool;
true#3fedd339 = True;
peerEmpty#100 = Peer;
peerUser#101 user_id:long = Peer;
point#110 x:int y:int = Point;
item#120 flags:# a:flags.0?true b:flags.1?int c:flags.1?string flags2:# d:flags2.3?true e:flags2.0?int name:string count:long small:int peer:Peer added:Peer ok:Bool need:Bool vec:Vector<int> pts:vector<Point> one:%Point = Item;
needsPoint#170 point:Point = NP;
flag#150 flags:# on:flags.0?true = Flag;
---functions---
get#200 item:Item = Item;
getAll#201 n:long = Vector<long>;
wrap#202 {X:Type} n:int query:!X = X;
ping#203 p:Point b:bytes = Point;
np#204 v:NP = NP;
setFlag#205 f:Flag = Flag;
// LAYER 229
`
	synthOld = `boolFalse#bc799737 = Bool;
boolTrue#997275b5 = Bool;
true#3fedd339 = True;
peerEmpty#100 = Peer;
peerUser#102 user_id:int = Peer;
oldOnly#160 = Peer;
point#110 x:int y:int = Point;
item#121 flags:# a:flags.0?true b:flags.1?int e:flags.5?int removed:string name:string count:int small:long peer:Peer ok:Bool pts:vector<Point> = Item;
needsPoint#171 = NP;
flag#151 on:Bool = Flag;
---functions---
get#200 item:Item = Item;
getAll#201 n:int = Vector<int>;
wrap#202 {X:Type} n:int query:!X = X;
ping#203 p:Point b:bytes = Point;
np#204 v:NP = NP;
setFlag#205 f:Flag = Flag;
// LAYER 100
`
)

const (
	idBoolTrue  = 0x997275b5
	idBoolFalse = 0xbc799737
)

func synth(t *testing.T) *Transcoder {
	t.Helper()
	tr, err := newTranscoder(fstest.MapFS{
		"schema/229.tl": {Data: []byte(synthLatest)},
		"schema/100.tl": {Data: []byte(synthOld)},
	})
	if err == nil {
		_, err = tr.tables() // the synthetic schemas must plan too
	}
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// oldItem is item in layer 100 with the given peer and small field.
func oldItem(peer wire, small int64) wire {
	w := wire{}.u32(0x121).u32(1<<0 | 1<<1 | 1<<5).u32(7).u32(11).
		str("x").str("n").u32(5).i64(small)
	w = append(w, peer...)
	return w.u32(idBoolTrue).u32(1).u32(0x110).u32(1).u32(2)
}

func TestSynthUpRequest(t *testing.T) {
	tr := synth(t)
	get := wire{}.u32(0x200)
	peer42 := wire{}.u32(0x102).u32(42)
	// The same item in Latest: fields by name, flags recomputed (e moved
	// from flags to flags2; c shares b's bit so it is written as ""), int
	// widened to long and long narrowed to int, new required fields zero.
	want := wire{}.u32(0x200).u32(0x120).u32(1<<0 | 1<<1).u32(7).str("").u32(1 << 0).u32(11).
		str("n").i64(5).u32(9).u32(0x101).i64(42).u32(0x100).
		u32(idBoolTrue).u32(idBoolFalse).u32(vectorID).u32(0).
		u32(1).u32(0x110).u32(1).u32(2).u32(0).u32(0)
	tests := []struct {
		name   string
		in     wire
		want   wire
		target error
		errMsg string
	}{
		{"fields by name, flags2, int<->long, zero values", append(get, oldItem(peer42, 9)...), want, nil, ""},
		{"long that does not fit an int", append(get, oldItem(peer42, 1<<40)...), nil, ErrNoEquivalent, "item.small"},
		{"constructor unknown in Latest", append(get, oldItem(wire{}.u32(0x160), 9)...), nil, ErrNoEquivalent, "oldOnly"},
		{"required object field with no default", wire{}.u32(0x204).u32(0x171), nil, ErrNoEquivalent, "needsPoint.point"},
		{"Bool true becomes a true flag", wire{}.u32(0x205).u32(0x151).u32(idBoolTrue),
			wire{}.u32(0x205).u32(0x150).u32(1), nil, ""},
		{"Bool false clears the flag", wire{}.u32(0x205).u32(0x151).u32(idBoolFalse),
			wire{}.u32(0x205).u32(0x150).u32(0), nil, ""},
		{"generic query converted recursively", wire{}.u32(0x202).u32(3).u32(0x205).u32(0x151).u32(idBoolTrue),
			wire{}.u32(0x202).u32(3).u32(0x205).u32(0x150).u32(1), nil, ""},
		{"unknown function", wire{}.u32(0x999), nil, ErrMalformed, "unknown function 0x00000999"},
		{"wrong constructor type", wire{}.u32(0x200).u32(0x110), nil, ErrMalformed, "point is not a Item"},
		{"bad bool", wire{}.u32(0x205).u32(0x151).u32(0x110), nil, ErrMalformed, "flag.on"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tr.UpRequest(100, tc.in)
			if tc.target != nil {
				assertErr(t, err, tc.target, tc.errMsg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got  %x\nwant %x", got, []byte(tc.want))
			}
		})
	}
}

func TestSynthUnchangedIsNotCopied(t *testing.T) {
	// ping and point are identical in both layers: the input comes back as
	// is, without a copy.
	in := wire{}.u32(0x203).u32(0x110).u32(1).u32(2).str("payload")
	got, err := synth(t).UpRequest(100, in)
	if err != nil || &got[0] != &in[0] || len(got) != len(in) {
		t.Fatalf("got %x, %v: want the input itself", got, err)
	}
}

func TestSynthDown(t *testing.T) {
	tr := synth(t)
	latestItem := wire{}.u32(0x120).u32(1<<0 | 1<<1).u32(7).str("c").u32(1<<3 | 1<<0).u32(11).
		str("n").i64(5).u32(9).u32(0x101).i64(42).u32(0x100).
		u32(idBoolTrue).u32(idBoolFalse).u32(vectorID).u32(1).u32(8).
		u32(0).u32(0).u32(0)
	// d and c are dropped; e goes back to flags bit 5; removed is "".
	want := wire{}.u32(0x121).u32(1<<0 | 1<<1 | 1<<5).u32(7).u32(11).str("").str("n").
		u32(5).i64(9).u32(0x102).u32(42).u32(idBoolTrue).u32(0)
	got, err := tr.DownObject(100, "Item", latestItem)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got  %x\nwant %x", got, []byte(want))
	}

	res, err := tr.DownResult(100, 0x201, wire{}.u32(vectorID).u32(2).i64(-3).i64(4))
	wantVec := wire{}.u32(vectorID).u32(2).u32(0xfffffffd).u32(4)
	if err != nil || !bytes.Equal(res, wantVec) {
		t.Errorf("Vector<long> to Vector<int>: got %x, %v; want %x", res, err, []byte(wantVec))
	}
	_, err = tr.DownResult(100, 0x201, wire{}.u32(vectorID).u32(1).i64(1<<33))
	assertErr(t, err, ErrNoEquivalent, "[0]: long 8589934592 does not fit")

	// A true flag becoming a Bool: set and unset.
	for flags, b := range map[uint32]uint32{1: idBoolTrue, 0: idBoolFalse} {
		got, err := tr.DownObject(100, "Flag", wire{}.u32(0x150).u32(flags))
		want := wire{}.u32(0x151).u32(b)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("flag %d: got %x, %v; want %x", flags, got, err, []byte(want))
		}
	}
}
