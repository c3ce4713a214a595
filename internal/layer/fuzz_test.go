package layer

import (
	"testing"

	"github.com/gotd/td/tg"
)

// nestedInvoke is help.getConfig wrapped depth times in invokeWithoutUpdates.
func nestedInvoke(depth int) []byte {
	var w wire
	for i := 0; i < depth; i++ {
		w = w.u32(tg.InvokeWithoutUpdatesRequestTypeID)
	}
	return w.u32(tg.HelpGetConfigRequestTypeID)
}

// FuzzUpRequest feeds arbitrary bytes to UpRequest as layer 198: it must
// never panic, and whatever it accepts must come out as a Latest-layer call.
func FuzzUpRequest(f *testing.F) {
	for _, c := range conversions(f) {
		if c.name[:len("UpRequest")] == "UpRequest" {
			f.Add(c.in)
		}
	}
	f.Add(nestedInvoke(10))
	f.Add(nestedInvoke(100))
	tr := Default()
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := tr.UpRequest(198, b)
		if err != nil {
			return
		}
		if _, err := parseRef(tr.mustTables().latest, callRef, out); err != nil {
			t.Fatalf("UpRequest accepted %x but wrote %x, which does not parse in Latest: %v", b, out, err)
		}
	})
}

// fuzzTypes are the Latest types FuzzDownObject converts, chosen by the
// fuzzer through an index.
var fuzzTypes = []string{"Updates", "User", "ReplyMarkup", "Config", "Message", "JSONValue"}

// FuzzDownObject feeds arbitrary bytes to DownObject: it must never panic,
// and whatever it accepts must come out as a layer-198 object of the type.
func FuzzDownObject(f *testing.F) {
	for _, c := range conversions(f) {
		for i, typ := range fuzzTypes {
			if c.name == "DownObject "+typ {
				f.Add(uint8(i), c.in)
			}
		}
	}
	f.Add(uint8(3), encode(f, config()))
	f.Add(uint8(4), encode(f, message(1, inlineMarkup())))
	f.Add(uint8(5), encode(f, nestedJSON(3)))
	f.Add(uint8(5), encode(f, nestedJSON(100)))
	f.Add(uint8(0), []byte(wire{}.u32(0x74ae4240).u32(vectorID).u32(0xffffffff)))
	tr := Default()
	old := tr.mustTables().down[198].dst
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		typ := fuzzTypes[int(which)%len(fuzzTypes)]
		out, err := tr.DownObject(198, typ, b)
		if err != nil {
			return
		}
		if _, err := parse(old, typ, out); err != nil {
			t.Fatalf("DownObject(%s) accepted %x but wrote %x, which does not parse in 198: %v", typ, b, out, err)
		}
	})
}
