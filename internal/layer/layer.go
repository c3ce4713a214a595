package layer

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Latest is the layer of gotd/td's tg package, the only one the domain
// speaks; every other layer is converted to and from it.
const Latest = 229

var (
	// ErrUnknownLayer means the client's layer has no schema here.
	ErrUnknownLayer = errors.New("unknown layer")
	// ErrNoEquivalent means a constructor, method or value has no counterpart
	// in the target layer and no rule rewrites it (a constructor unknown to
	// the target, a field type that cannot be converted, a required field
	// with no zero value, a long that does not fit an int...).
	ErrNoEquivalent = errors.New("no equivalent")
	// ErrMalformed means the input does not parse in its own layer: it is
	// truncated, has trailing bytes, or uses unknown or misplaced ids.
	ErrMalformed = errors.New("malformed TL input")
)

// schemas holds one schema per layer, named <layer>.tl, each ending with a
// `// LAYER <layer>` line. Adding a layer is adding a file here.
//
//go:embed schema/*.tl
var schemas embed.FS

// Transcoder converts TL-serialized objects between the supported layers and
// Latest. It is safe for concurrent use. The conversion tables (every
// schema, parsed, and the plans between them: megabytes of small objects)
// are built on the first conversion a client of an older layer needs, so a
// server whose clients all speak Latest never holds them.
type Transcoder struct {
	layers  []int             // every layer with a schema, ascending
	methods map[uint32]string // Latest's method names by constructor id
	tables  func() (*tables, error)
}

// tables is what converting needs: every schema and the plans between them.
type tables struct {
	latest *schema
	up     map[int]*direction // client layer -> Latest
	down   map[int]*direction // Latest -> client layer
}

var (
	defaultOnce sync.Once
	defaultT    *Transcoder
)

// Default returns the Transcoder for the embedded schemas, made on first
// use. It panics only if the embedded schemas are broken, which the tests
// rule out.
func Default() *Transcoder {
	defaultOnce.Do(func() {
		t, err := newTranscoder(schemas)
		if err != nil {
			panic(fmt.Sprintf("layer: embedded schemas: %v", err))
		}
		defaultT = t
	})
	return defaultT
}

// newTranscoder lists the schema/<layer>.tl files of fsys and reads Latest's
// method names; the conversion tables are built from fsys when first needed.
func newTranscoder(fsys fs.FS) (*Transcoder, error) {
	files, err := schemaFiles(fsys)
	if err != nil {
		return nil, err
	}
	latest, ok := files[Latest]
	if !ok {
		return nil, fmt.Errorf("no schema for Latest layer %d", Latest)
	}
	s, err := readSchema(fsys, latest, Latest)
	if err != nil {
		return nil, err
	}
	t := &Transcoder{
		methods: make(map[uint32]string, len(s.fnByID)),
		tables:  sync.OnceValues(func() (*tables, error) { return build(fsys) }),
	}
	for id, m := range s.fnByID {
		t.methods[id] = m.name
	}
	for n := range files {
		t.layers = append(t.layers, n)
	}
	slices.Sort(t.layers)
	return t, nil
}

// schemaFiles maps each layer to its file, schema/<layer>.tl, in fsys.
func schemaFiles(fsys fs.FS) (map[int]string, error) {
	files, err := fs.Glob(fsys, "schema/*.tl")
	if err != nil {
		return nil, err
	}
	out := make(map[int]string, len(files))
	for _, f := range files {
		n, err := strconv.Atoi(strings.TrimSuffix(path.Base(f), ".tl"))
		if err != nil {
			return nil, fmt.Errorf("%s: file name is not a layer number", f)
		}
		out[n] = f
	}
	return out, nil
}

// readSchema parses the schema file f of layer n.
func readSchema(fsys fs.FS, f string, n int) (*schema, error) {
	data, err := fs.ReadFile(fsys, f)
	if err != nil {
		return nil, err
	}
	s, err := parseSchema(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	if s.layer != n {
		return nil, fmt.Errorf("%s: declares layer %d", f, s.layer)
	}
	return s, nil
}

// build parses every schema/<layer>.tl in fsys and plans the conversions
// between each layer and Latest.
func build(fsys fs.FS) (*tables, error) {
	files, err := schemaFiles(fsys)
	if err != nil {
		return nil, err
	}
	parsed := map[int]*schema{}
	for n, f := range files {
		if parsed[n], err = readSchema(fsys, f, n); err != nil {
			return nil, err
		}
	}
	t := &tables{latest: parsed[Latest], up: map[int]*direction{}, down: map[int]*direction{}}
	if t.latest == nil {
		return nil, fmt.Errorf("no schema for Latest layer %d", Latest)
	}
	for n, s := range parsed {
		if n == Latest {
			continue
		}
		if t.up[n], err = newDirection(s, t.latest, true); err != nil {
			return nil, fmt.Errorf("layer %d to %d: %w", n, Latest, err)
		}
		if t.down[n], err = newDirection(t.latest, s, false); err != nil {
			return nil, fmt.Errorf("layer %d to %d: %w", Latest, n, err)
		}
	}
	return t, nil
}

// Supported reports whether the transcoder has a schema for layer.
func (t *Transcoder) Supported(layer int) bool {
	_, ok := slices.BinarySearch(t.layers, layer)
	return ok
}

// Layers returns the supported layers in ascending order.
func (t *Transcoder) Layers() []int {
	return slices.Clone(t.layers)
}

// direction returns the conversion from layer to Latest (up) or back.
func (t *Transcoder) direction(layer int, up bool) (*tables, *direction, error) {
	if layer == Latest || !t.Supported(layer) {
		return nil, nil, fmt.Errorf("layer %d: %w", layer, ErrUnknownLayer)
	}
	tb, err := t.tables()
	if err != nil {
		return nil, nil, fmt.Errorf("layer %d: %w", layer, err)
	}
	d := tb.down[layer]
	if up {
		d = tb.up[layer]
	}
	if d == nil {
		return nil, nil, fmt.Errorf("layer %d: %w", layer, ErrUnknownLayer)
	}
	return tb, d, nil
}

// UpRequest converts a serialized function call (a request, boxed, starting
// with its constructor id) from layer to Latest. Wrappers such as
// invokeWithLayer and initConnection are converted with the call they carry.
// For Latest it returns b itself; otherwise the result may still be b when
// nothing needs to change.
func (t *Transcoder) UpRequest(layer int, b []byte) ([]byte, error) {
	if layer == Latest {
		return b, nil
	}
	_, d, err := t.direction(layer, true)
	if err != nil {
		return nil, err
	}
	call := &tref{kind: kCall}
	return d.convert(call, call, b, layer)
}

// DownResult converts the serialized result of the Latest-layer method whose
// constructor id is methodID to layer. The result's type is the method's
// declared return type in each layer, which is what makes bare and vector
// results such as Vector<long> decodable. For a generic method (returning
// X, like invokeWithLayer) any boxed object is accepted: pass the innermost
// method instead when the result may be a vector.
func (t *Transcoder) DownResult(layer int, methodID uint32, b []byte) ([]byte, error) {
	if layer == Latest {
		return b, nil
	}
	tb, d, err := t.direction(layer, false)
	if err != nil {
		return nil, err
	}
	m := tb.latest.fnByID[methodID]
	if m == nil {
		return nil, fmt.Errorf("layer: unknown Latest method %#08x", methodID)
	}
	dt := d.results[methodID]
	if dt == nil {
		return nil, fmt.Errorf("result of %s: %w in layer %d", m.name, ErrNoEquivalent, layer)
	}
	return d.convert(m.result, dt, b, layer)
}

// DownObject converts a serialized boxed object of the Latest-layer type
// typeName (for example "Updates") to layer. typeName may also be any TL
// type expression, such as "Vector<User>".
func (t *Transcoder) DownObject(layer int, typeName string, b []byte) ([]byte, error) {
	if layer == Latest {
		return b, nil
	}
	_, d, err := t.direction(layer, false)
	if err != nil {
		return nil, err
	}
	st, dt, err := d.typePair(typeName)
	if err != nil {
		return nil, err
	}
	return d.convert(st, dt, b, layer)
}

// MethodName returns the Latest-layer name of the method with constructor id
// id (e.g. "help.getConfig"), for logs and errors; ok is false if unknown.
func (t *Transcoder) MethodName(id uint32) (name string, ok bool) {
	name, ok = t.methods[id]
	return name, ok
}

// typePair resolves a type expression in the source and target layers.
func (d *direction) typePair(expr string) (st, dt *tref, err error) {
	if dt := d.types[expr]; dt != nil {
		return dt, dt, nil // a plain type name compiles the same in both
	}
	if st, err = d.src.parseType(expr); err != nil {
		return nil, nil, fmt.Errorf("type %q: %w", expr, err)
	}
	if dt, err = d.dst.parseType(expr); err != nil {
		return nil, nil, fmt.Errorf("type %q in layer %d: %w: %w", expr, d.dst.layer, err, ErrNoEquivalent)
	}
	return st, dt, nil
}

// convert decodes b as st in the source layer and encodes it as dt in the
// target layer. When everything is encoded identically in both, b itself is
// returned.
func (d *direction) convert(st, dt *tref, b []byte, layer int) ([]byte, error) {
	r := decoder{d: d, s: d.src, b: b}
	v, err := r.value(st, 0, false)
	if err == nil && r.pos != len(b) {
		err = fmt.Errorf("%d trailing bytes: %w", len(b)-r.pos, ErrMalformed)
	}
	if err != nil {
		return nil, fmt.Errorf("layer %d: %w", layer, err)
	}
	same := sameShape(st, dt)
	if same && v.verbatim {
		return b, nil
	}
	e := encoder{d: d, out: make([]byte, 0, len(b)+len(b)/8+16)}
	if err := e.value(dt, st, &v, same); err != nil {
		return nil, fmt.Errorf("layer %d: %w", layer, err)
	}
	return e.out, nil
}

// ConstructorError says which constructor of the source layer has no place
// where it was found in the target layer: a layer-198 keyboardButtonCallback
// inside a reply keyboard, for one (Latest keeps inline and reply buttons
// apart). It wraps ErrNoEquivalent.
type ConstructorError struct {
	// Constructor is the source constructor's name; Want the type it was
	// to become.
	Constructor, Want string
	Err               error
}

func (e *ConstructorError) Error() string {
	return fmt.Sprintf("%s as %s: %v", e.Constructor, e.Want, e.Err)
}

// Unwrap returns the underlying error.
func (e *ConstructorError) Unwrap() error { return e.Err }
