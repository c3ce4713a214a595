package layer

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gotd/tl"
)

// kind is the wire shape of a TL type: it decides how a value is read and
// written, independently of the layer.
type kind uint8

const (
	kInt        kind = iota + 1 // int: 4 bytes
	kLong                       // long: 8 bytes
	kDouble                     // double: 8 bytes
	kInt128                     // int128: 16 bytes
	kInt256                     // int256: 32 bytes
	kString                     // string: TL-encoded byte string
	kBytes                      // bytes: same wire form as string
	kTrue                       // true: no bytes, only a flag bit
	kObject                     // boxed type: constructor id, then fields
	kBare                       // bare constructor: fields only
	kVector                     // Vector<T>: 0x1cb5c415, count, elements
	kBareVector                 // vector<T>: count, elements
	kCall                       // !X: a boxed function call
	kAny                        // X: a boxed object of any type (generic result)
)

// vectorID is the constructor id of the boxed Vector type.
const vectorID = 0x1cb5c415

// maxFlags bounds the number of `#` fields in one constructor so flag words can
// live in a fixed array instead of an allocation per object.
const maxFlags = 4

// tref is a compiled TL type reference, resolved against one schema.
type tref struct {
	kind kind
	name string // kObject: full type name; kBare: constructor name
	bare *ctor  // kBare: the constructor
	elem *tref  // kVector, kBareVector: element type
}

// sameShape reports whether a value of type a is encoded exactly like a value
// of type b, provided the nested objects themselves encode identically (which
// is checked per value while decoding).
func sameShape(a, b *tref) bool {
	if a.kind != b.kind || a.name != b.name {
		return false
	}
	if a.elem != nil {
		return sameShape(a.elem, b.elem)
	}
	return true
}

// param is one field of a constructor or function.
type param struct {
	name     string
	t        *tref // nil for a `#` field
	flagSlot int   // `#` field: its slot in the flag words; -1 otherwise
	cond     bool  // conditional field (flags.N?T)
	slot     int   // conditional: slot of the `#` field it depends on
	bit      uint  // conditional: bit index
}

// ctor is a constructor or function of one layer.
type ctor struct {
	name   string // full name, e.g. "messages.sendMessage"
	id     uint32
	typ    string // full result type name (constructors only)
	result *tref  // result type (functions only)
	fn     bool
	params []param
	byName map[string]int // param index by name
	index  int            // position in schema.all, keys per-direction tables
}

// schema is one parsed layer.
type schema struct {
	layer    int
	all      []*ctor
	byID     map[uint32]*ctor // constructors
	fnByID   map[uint32]*ctor // functions
	byName   map[string]*ctor // constructors
	fnByName map[string]*ctor // functions
	types    map[string][]*ctor
	empty    map[string]*ctor // type -> first constructor without fields
}

// parseSchema parses a TL schema file. The file's `// LAYER N` line is the
// authority for the layer number.
func parseSchema(data []byte) (*schema, error) {
	parsed, err := tl.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if parsed.Layer == 0 {
		return nil, fmt.Errorf("no // LAYER line")
	}
	s := &schema{
		layer:    parsed.Layer,
		byID:     map[uint32]*ctor{},
		fnByID:   map[uint32]*ctor{},
		byName:   map[string]*ctor{},
		fnByName: map[string]*ctor{},
		types:    map[string][]*ctor{},
		empty:    map[string]*ctor{},
	}
	// Register every name first: parameters may refer to constructors
	// (bare types) defined further down.
	for _, sd := range parsed.Definitions {
		d := sd.Definition
		c := &ctor{
			name:  fullName(d.Namespace, d.Name),
			id:    d.ID,
			fn:    sd.Category == tl.CategoryFunction,
			index: len(s.all),
		}
		ids, names := s.byID, s.byName
		if c.fn {
			ids, names = s.fnByID, s.fnByName
		} else {
			c.typ = fullName(d.Type.Namespace, d.Type.Name)
		}
		if prev := ids[c.id]; prev != nil {
			return nil, fmt.Errorf("%s and %s share id %#x", prev.name, c.name, c.id)
		}
		if names[c.name] != nil {
			return nil, fmt.Errorf("%s is defined twice", c.name)
		}
		ids[c.id], names[c.name] = c, c
		s.all = append(s.all, c)
		if !c.fn {
			s.types[c.typ] = append(s.types[c.typ], c)
		}
	}
	for i, sd := range parsed.Definitions {
		if err := s.compileDef(s.all[i], sd.Definition); err != nil {
			return nil, fmt.Errorf("%s: %w", s.all[i].name, err)
		}
	}
	// The zero value of a boxed type is its first field-less constructor in
	// schema order: boolFalse for Bool, inputPeerEmpty for InputPeer...
	for typ, cs := range s.types {
		for _, c := range cs {
			if len(c.params) == 0 {
				s.empty[typ] = c
				break
			}
		}
	}
	return s, nil
}

// compileDef resolves the parameters and result of one definition.
func (s *schema) compileDef(c *ctor, d tl.Definition) error {
	flagSlots := map[string]int{}
	c.byName = make(map[string]int, len(d.Params))
	for _, p := range d.Params {
		cp := param{name: p.Name, flagSlot: -1}
		switch {
		case p.Flags:
			if len(flagSlots) == maxFlags {
				return fmt.Errorf("more than %d flag fields", maxFlags)
			}
			cp.flagSlot = len(flagSlots)
			flagSlots[p.Name] = cp.flagSlot
		default:
			t, err := s.compile(p.Type, d.GenericParams)
			if err != nil {
				return fmt.Errorf("field %s: %w", p.Name, err)
			}
			cp.t = t
		}
		if p.Flag != nil {
			slot, ok := flagSlots[p.Flag.Name]
			if !ok || p.Flag.Index < 0 || p.Flag.Index > 31 {
				return fmt.Errorf("field %s: bad flag %s", p.Name, p.Flag)
			}
			cp.cond, cp.slot, cp.bit = true, slot, uint(p.Flag.Index)
		}
		if _, dup := c.byName[p.Name]; dup {
			return fmt.Errorf("field %s is defined twice", p.Name)
		}
		c.byName[p.Name] = len(c.params)
		c.params = append(c.params, cp)
	}
	if c.fn {
		t, err := s.compile(d.Type, d.GenericParams)
		if err != nil {
			return fmt.Errorf("result: %w", err)
		}
		c.result = t
	}
	return nil
}

// primitives maps the names of built-in types to their kind.
var primitives = map[string]kind{
	"int": kInt, "long": kLong, "double": kDouble, "int128": kInt128,
	"int256": kInt256, "string": kString, "bytes": kBytes, "true": kTrue,
}

// compile resolves a TL type reference against s; generics are the names
// declared by {X:Type} on the enclosing definition.
func (s *schema) compile(t tl.Type, generics []string) (*tref, error) {
	name := fullName(t.Namespace, t.Name)
	isGeneric := false
	for _, g := range generics {
		isGeneric = isGeneric || g == name
	}
	switch {
	case t.GenericRef:
		if !isGeneric {
			return nil, fmt.Errorf("undeclared generic !%s", name)
		}
		return &tref{kind: kCall}, nil
	case isGeneric:
		return &tref{kind: kAny}, nil
	case t.GenericArg != nil:
		elem, err := s.compile(*t.GenericArg, generics)
		if err != nil {
			return nil, err
		}
		switch name {
		case "Vector":
			return &tref{kind: kVector, elem: elem}, nil
		case "vector":
			return &tref{kind: kBareVector, elem: elem}, nil
		}
		return nil, fmt.Errorf("unknown generic type %s", t)
	}
	if k, ok := primitives[name]; ok {
		return &tref{kind: k, name: name}, nil
	}
	if t.Percent {
		// %Type: the bare form of the type's only constructor.
		if cs := s.types[name]; len(cs) == 1 {
			return &tref{kind: kBare, name: cs[0].name, bare: cs[0]}, nil
		}
		return nil, fmt.Errorf("%%%s needs exactly one constructor", name)
	}
	if t.Bare {
		// A lower-case type is a constructor used bare.
		if c := s.byName[name]; c != nil {
			return &tref{kind: kBare, name: name, bare: c}, nil
		}
		return nil, fmt.Errorf("unknown bare type %s", name)
	}
	return &tref{kind: kObject, name: name}, nil
}

// parseType compiles a type expression such as "Updates" or "Vector<User>".
func (s *schema) parseType(expr string) (*tref, error) {
	var t tl.Type
	if err := t.Parse(expr); err != nil {
		return nil, err
	}
	r, err := s.compile(t, nil)
	if err != nil {
		return nil, err
	}
	for e := r; e != nil; e = e.elem {
		if e.kind == kObject && len(s.types[e.name]) == 0 {
			return nil, fmt.Errorf("layer %d has no type %s", s.layer, e.name)
		}
	}
	return r, nil
}

func fullName(ns []string, name string) string {
	if len(ns) == 0 {
		return name
	}
	return strings.Join(ns, ".") + "." + name
}
