package layer

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gotd/td/tg"
)

func assertErr(t *testing.T, err, target error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", target)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("error %q is not %v", err, target)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("error %q does not mention %q", err, contains)
	}
}

func TestEmbeddedSchemas(t *testing.T) {
	tr := Default() // panics if the embedded schemas are broken
	if got := tr.Layers(); !slices.Equal(got, []int{198, Latest}) {
		t.Errorf("Layers() = %v", got)
	}
	for _, tc := range []struct {
		layer int
		want  bool
	}{{198, true}, {Latest, true}, {1, false}, {197, false}, {230, false}} {
		if got := tr.Supported(tc.layer); got != tc.want {
			t.Errorf("Supported(%d) = %v", tc.layer, got)
		}
	}
	if tg.Layer != Latest {
		t.Errorf("gotd speaks layer %d, Latest is %d", tg.Layer, Latest)
	}
	for layer, s := range map[int]*schema{198: tr.mustTables().up[198].src, Latest: tr.mustTables().latest} {
		if s.layer != layer || len(s.byName) < 1000 || len(s.fnByName) < 400 {
			t.Errorf("layer %d: %d constructors, %d functions", s.layer, len(s.byName), len(s.fnByName))
		}
	}
	// Every constructor gotd knows must be in the embedded Latest schema
	// with the same id: they are the same schema.
	for name, id := range tg.NamesMap() {
		c := tr.mustTables().latest.byName[name]
		if c == nil {
			c = tr.mustTables().latest.fnByName[name]
		}
		if c == nil || c.id != id {
			t.Errorf("gotd's %s %#08x is not in 229.tl", name, id)
		}
	}
}

func TestUnknownLayer(t *testing.T) {
	tr := Default()
	req := encode(t, &tg.HelpGetConfigRequest{})
	_, err := tr.UpRequest(1, req)
	assertErr(t, err, ErrUnknownLayer, "layer 1")
	_, err = tr.DownResult(1, tg.HelpGetConfigRequestTypeID, req)
	assertErr(t, err, ErrUnknownLayer, "layer 1")
	_, err = tr.DownObject(1, "Config", req)
	assertErr(t, err, ErrUnknownLayer, "layer 1")
}

func TestLatestIsPassThrough(t *testing.T) {
	tr := Default()
	junk := []byte{1, 2, 3} // not even parsed
	for name, f := range map[string]func() ([]byte, error){
		"UpRequest":  func() ([]byte, error) { return tr.UpRequest(Latest, junk) },
		"DownResult": func() ([]byte, error) { return tr.DownResult(Latest, 0, junk) },
		"DownObject": func() ([]byte, error) { return tr.DownObject(Latest, "Nope", junk) },
	} {
		got, err := f()
		if err != nil || &got[0] != &junk[0] || len(got) != len(junk) {
			t.Errorf("%s(Latest) = %v, %v: want the input itself", name, got, err)
		}
	}
}

func TestMethodName(t *testing.T) {
	tr := Default()
	if name, ok := tr.MethodName(tg.HelpGetConfigRequestTypeID); !ok || name != "help.getConfig" {
		t.Errorf("MethodName(help.getConfig) = %q, %v", name, ok)
	}
	if _, ok := tr.MethodName(tg.ConfigTypeID); ok {
		t.Error("a constructor is not a method")
	}
}

func TestRulesResolveFor198(t *testing.T) {
	// A rule whose names do not resolve is skipped silently (it may target
	// other layers), so check that all of them apply to 198.
	tr := Default()
	up, down := 0, 0
	for _, e := range tr.mustTables().up[198].entries {
		up += len(e.byType)
	}
	for _, e := range tr.mustTables().down[198].entries {
		for _, p := range e.byType {
			down += max(1, len(p.pick))
		}
	}
	if want := len(renames) + len(splits); up != want || down != want {
		t.Errorf("resolved %d up and %d down rules, want %d", up, down, want)
	}
}

func TestBrokenSchemasFailToBuild(t *testing.T) {
	latest := "boolFalse#bc799737 = Bool;\n// LAYER 229\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no Latest", map[string]string{"schema/100.tl": "a#1 = A;\n// LAYER 100\n"}, "no schema for Latest"},
		{"no layer line", map[string]string{"schema/229.tl": "a#1 = A;\n"}, "LAYER"},
		{"wrong layer line", map[string]string{"schema/229.tl": latest, "schema/100.tl": "a#1 = A;\n// LAYER 101\n"}, "declares layer 101"},
		{"bad file name", map[string]string{"schema/229.tl": latest, "schema/new.tl": latest}, "not a layer number"},
		{"syntax", map[string]string{"schema/229.tl": "a#1 x: = A;\n// LAYER 229\n"}, "229.tl"},
		{"duplicate id", map[string]string{"schema/229.tl": "a#1 = A;\nb#1 = A;\n// LAYER 229\n"}, "share id"},
		{"unknown bare type", map[string]string{"schema/229.tl": "a#1 x:nope = A;\n// LAYER 229\n"}, "nope"},
		{"bad flag", map[string]string{"schema/229.tl": "a#1 x:flags.0?int = A;\n// LAYER 229\n"}, "bad flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			_, err := build(fsys)
			assertErr(t, err, nil, tc.want)
		})
	}
}

// readLog is an fs.FS that records the files read from it.
type readLog struct {
	fs.FS
	mu   sync.Mutex
	read []string
}

func (r *readLog) Open(name string) (fs.File, error) {
	r.mu.Lock()
	r.read = append(r.read, name)
	r.mu.Unlock()
	return r.FS.Open(name)
}

func (r *readLog) wasRead(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.read, name)
}

// TestTablesAreBuiltOnFirstNeed: a transcoder whose clients speak Latest
// never parses the older schemas nor plans conversions; the first client of
// an older layer builds them, and a broken older schema fails its requests,
// not the server's start.
func TestTablesAreBuiltOnFirstNeed(t *testing.T) {
	latest, err := fs.ReadFile(schemas, "schema/229.tl")
	if err != nil {
		t.Fatal(err)
	}
	fsys := &readLog{FS: fstest.MapFS{
		"schema/229.tl": {Data: latest},
		"schema/100.tl": {Data: []byte("a#1 x: = A;\n// LAYER 100\n")},
	}}
	tr, err := newTranscoder(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Supported(100) || !tr.Supported(Latest) || tr.Supported(101) {
		t.Errorf("Supported: 100 %v, Latest %v, 101 %v", tr.Supported(100), tr.Supported(Latest), tr.Supported(101))
	}
	if name, ok := tr.MethodName(uint32(tg.HelpGetConfigRequestTypeID)); !ok || name != "help.getConfig" {
		t.Errorf("MethodName(help.getConfig) = %q, %v", name, ok)
	}
	req := encode(t, &tg.HelpGetConfigRequest{})
	if out, err := tr.UpRequest(Latest, req); err != nil || !bytes.Equal(out, req) {
		t.Errorf("UpRequest(Latest) = %x, %v", out, err)
	}
	if _, err := tr.UpRequest(101, req); !errors.Is(err, ErrUnknownLayer) {
		t.Errorf("UpRequest(101): %v, want ErrUnknownLayer", err)
	}
	if fsys.wasRead("schema/100.tl") {
		t.Fatal("the layer 100 schema was read before a client of layer 100 came")
	}
	if _, err := tr.UpRequest(100, req); err == nil || !strings.Contains(err.Error(), "100.tl") {
		t.Errorf("UpRequest(100) with a broken schema: %v, want its parse error", err)
	}
	if !fsys.wasRead("schema/100.tl") {
		t.Error("UpRequest(100) did not read the layer 100 schema")
	}
}

func TestBrokenLatestSchemaFailsTheStart(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no Latest":        {"schema/100.tl": {Data: []byte("a#1 = A;\n// LAYER 100\n")}},
		"syntax":           {"schema/229.tl": {Data: []byte("a#1 x: = A;\n// LAYER 229\n")}},
		"bad file name":    {"schema/229.tl": {Data: []byte("a#1 = A;\n// LAYER 229\n")}, "schema/new.tl": {Data: []byte("a#1 = A;\n// LAYER 229\n")}},
		"wrong LAYER line": {"schema/229.tl": {Data: []byte("a#1 = A;\n// LAYER 228\n")}},
	} {
		if _, err := newTranscoder(files); err == nil {
			t.Errorf("%s: newTranscoder succeeded", name)
		}
	}
}

func TestIDChangedBetweenLayers(t *testing.T) {
	tr := Default()
	old := tr.mustTables().up[198].src
	for _, tc := range []struct {
		typ  string
		name string
		b    []byte
	}{
		{"User", "user", encode(t, user(1))},
		{"Message", "message", encode(t, message(1, nil))},
		{"ReplyMarkup", "replyInlineMarkup", encode(t, inlineMarkup())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			latestID := tr.mustTables().latest.byName[tc.name].id
			oldID := old.byName[tc.name].id
			if latestID == oldID {
				t.Fatalf("%s has the same id %#08x in both layers", tc.name, oldID)
			}
			got, err := tr.DownObject(198, tc.typ, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if id := le32(got); id != oldID {
				t.Errorf("DownObject wrote %#08x, layer 198 says %s is %#08x", id, tc.name, oldID)
			}
		})
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func TestDownResult(t *testing.T) {
	tr := Default()
	t.Run("Vector<long>", func(t *testing.T) {
		in := encode(t, &tg.LongVector{Elems: []int64{1, -2, 1 << 40}})
		got, err := tr.DownResult(198, tg.MessagesReceivedQueueRequestTypeID, in)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("got %x, %v; want %x", got, err, in)
		}
	})
	t.Run("Vector<int>", func(t *testing.T) {
		in := encode(t, &tg.IntVector{Elems: []int{5, 6}})
		got, err := tr.DownResult(198, tg.ContactsGetContactIDsRequestTypeID, in)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("got %x, %v; want %x", got, err, in)
		}
	})
	t.Run("Vector<long> is not an object", func(t *testing.T) {
		in := encode(t, &tg.LongVector{Elems: []int64{1}})
		_, err := tr.DownResult(198, tg.HelpGetConfigRequestTypeID, in)
		assertErr(t, err, ErrMalformed, "unknown constructor 0x1cb5c415")
	})
	t.Run("result type changed: Vector<RecentStory> to Vector<int>", func(t *testing.T) {
		in := encode(t, &tg.RecentStoryVector{Elems: []tg.RecentStory{{MaxID: 3}}})
		_, err := tr.DownResult(198, tg.StoriesGetPeerMaxIDsRequestTypeID, in)
		assertErr(t, err, ErrNoEquivalent, "RecentStory to int")
	})
	t.Run("help.getConfig", func(t *testing.T) {
		got, err := tr.DownResult(198, tg.HelpGetConfigRequestTypeID, encode(t, config()))
		if err != nil {
			t.Fatal(err)
		}
		v, err := parse(tr.mustTables().up[198].src, "Config", got)
		if err != nil {
			t.Fatalf("not a layer-198 Config: %v", err)
		}
		if got := field(t, v, "this_dc").int32(); got != 2 {
			t.Errorf("this_dc = %d", got)
		}
		dcs := field(t, v, "dc_options")
		if got := field(t, dcs.kids[0], "ip_address").str(); got != "149.154.167.50" {
			t.Errorf("dc_options[0].ip_address = %q", got)
		}
		if !has(dcs.kids[1], "ipv6") || has(dcs.kids[0], "ipv6") {
			t.Error("ipv6 flags not preserved")
		}
		if got := field(t, v, "suggested_lang_code").str(); got != "en" {
			t.Errorf("suggested_lang_code = %q", got)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		_, err := tr.DownResult(198, 0xdeadbeef, nil)
		assertErr(t, err, nil, "0xdeadbeef")
	})
	t.Run("new method", func(t *testing.T) {
		// A Latest-only method whose result type layer 198 lacks.
		_, err := tr.DownResult(198, tg.EphemeralGetWelcomeMessagesRequestTypeID, nil)
		assertErr(t, err, ErrNoEquivalent, "ephemeral.getWelcomeMessages")
	})
}

func TestDownObjectErrors(t *testing.T) {
	tr := Default()
	withStories := user(1)
	withStories.StoriesMaxID = tg.RecentStory{MaxID: 4}
	tests := []struct {
		name   string
		typ    string
		b      []byte
		target error
		want   string
	}{
		{"unknown type", "NoSuchType", nil, nil, "NoSuchType"},
		{"type missing in 198", "RecentStory", encode(t, &tg.RecentStory{}), ErrNoEquivalent, "RecentStory"},
		{"field type changed to an object", "User", encode(t, withStories), ErrNoEquivalent, "user.stories_max_id"},
		{"constructor unknown in 198", "Update", encode(t, &tg.UpdateStarGiftAuctionState{State: &tg.StarGiftAuctionStateNotModified{}}), ErrNoEquivalent, "updateStarGiftAuctionState"},
		{"trailing bytes", "Config", append(encode(t, config()), 0, 0, 0, 0), ErrMalformed, "trailing"},
		{"wrong type", "User", encode(t, config()), ErrMalformed, "config is not a User"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tr.DownObject(198, tc.typ, tc.b)
			assertErr(t, err, tc.target, tc.want)
		})
	}
}

func TestDownObjectTypeExpression(t *testing.T) {
	tr := Default()
	in := encode(t, &tg.UserClassVector{Elems: []tg.UserClass{user(1), &tg.UserEmpty{ID: 2}}})
	got, err := tr.DownObject(198, "Vector<User>", in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parse(tr.mustTables().up[198].src, "Vector<User>", got)
	if err != nil || len(v.kids) != 2 || v.kids[1].c.name != "userEmpty" {
		t.Fatalf("parsed %+v, %v", v, err)
	}
}
