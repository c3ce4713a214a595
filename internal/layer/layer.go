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
// Latest. It is immutable after construction and safe for concurrent use.
type Transcoder struct {
	latest *schema
	layers []int
	up     map[int]*direction // client layer -> Latest
	down   map[int]*direction // Latest -> client layer
}

var (
	defaultOnce sync.Once
	defaultT    *Transcoder
)

// Default returns the Transcoder for the embedded schemas, built on first
// use. It panics only if the embedded schemas are broken, which the tests
// rule out.
func Default() *Transcoder {
	defaultOnce.Do(func() {
		t, err := build(schemas)
		if err != nil {
			panic(fmt.Sprintf("layer: embedded schemas: %v", err))
		}
		defaultT = t
	})
	return defaultT
}

// build parses every schema/<layer>.tl in fsys.
func build(fsys fs.FS) (*Transcoder, error) {
	files, err := fs.Glob(fsys, "schema/*.tl")
	if err != nil {
		return nil, err
	}
	parsed := map[int]*schema{}
	for _, f := range files {
		n, err := strconv.Atoi(strings.TrimSuffix(path.Base(f), ".tl"))
		if err != nil {
			return nil, fmt.Errorf("%s: file name is not a layer number", f)
		}
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
		parsed[n] = s
	}
	t := &Transcoder{latest: parsed[Latest], up: map[int]*direction{}, down: map[int]*direction{}}
	if t.latest == nil {
		return nil, fmt.Errorf("no schema for Latest layer %d", Latest)
	}
	for n, s := range parsed {
		t.layers = append(t.layers, n)
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
	slices.Sort(t.layers)
	return t, nil
}

// Supported reports whether the transcoder has a schema for layer.
func (t *Transcoder) Supported(layer int) bool {
	return layer == Latest || t.up[layer] != nil
}

// Layers returns the supported layers in ascending order.
func (t *Transcoder) Layers() []int {
	return slices.Clone(t.layers)
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
	d := t.up[layer]
	if d == nil {
		return nil, fmt.Errorf("layer %d: %w", layer, ErrUnknownLayer)
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
	d := t.down[layer]
	if d == nil {
		return nil, fmt.Errorf("layer %d: %w", layer, ErrUnknownLayer)
	}
	m := t.latest.fnByID[methodID]
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
	d := t.down[layer]
	if d == nil {
		return nil, fmt.Errorf("layer %d: %w", layer, ErrUnknownLayer)
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
	if m := t.latest.fnByID[id]; m != nil {
		return m.name, true
	}
	return "", false
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
