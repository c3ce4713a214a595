package layer

import (
	"encoding/binary"
	"fmt"
)

// maxDepth bounds the nesting of objects and vectors, so that hostile input
// cannot exhaust the stack. Real API objects nest far less deeply.
const maxDepth = 64

// value is one decoded TL value. Objects and vectors keep their children so
// the encoder can reorder fields and recompute flags; raw keeps the source
// bytes so that values encoded identically in both layers are copied, not
// re-encoded.
type value struct {
	raw      []byte
	c        *ctor   // object or call: its source constructor
	kids     []value // object: one per param; vector: the elements
	set      bool    // false for an absent conditional field
	verbatim bool    // raw is also the value's encoding in the target layer
	boxed    bool    // raw starts with the constructor id
}

// decoder reads values of the source layer of d (or of s alone when d is nil,
// to check that bytes parse).
type decoder struct {
	d    *direction
	s    *schema
	b    []byte
	pos  int
	slab []value // children are carved from here: one allocation per many objects
}

// kids returns n zeroed values for the children of one object or vector.
func (r *decoder) kids(n int) []value {
	if cap(r.slab)-len(r.slab) < n {
		// Size chunks by the input left: a value needs at least 4 bytes
		// in most cases, and fixed subtrees need no values at all.
		r.slab = make([]value, 0, max(n, min((len(r.b)-r.pos)/8, 1024)))
	}
	k := r.slab[len(r.slab) : len(r.slab)+n : len(r.slab)+n]
	r.slab = r.slab[:len(r.slab)+n]
	return k
}

func (r *decoder) truncated() error {
	return fmt.Errorf("truncated at byte %d: %w", r.pos, ErrMalformed)
}

func (r *decoder) skip(n int) error {
	if n > len(r.b)-r.pos {
		return r.truncated()
	}
	r.pos += n
	return nil
}

func (r *decoder) u32() (uint32, error) {
	if len(r.b)-r.pos < 4 {
		return 0, r.truncated()
	}
	u := binary.LittleEndian.Uint32(r.b[r.pos:])
	r.pos += 4
	return u, nil
}

// str skips a TL string: a length byte (or 254 and a 3-byte length), the
// data, and padding to a multiple of 4.
func (r *decoder) str() error {
	if r.pos >= len(r.b) {
		return r.truncated()
	}
	n, hdr := int(r.b[r.pos]), 1
	switch n {
	case 255:
		return fmt.Errorf("bad string length byte 255 at %d: %w", r.pos, ErrMalformed)
	case 254:
		if len(r.b)-r.pos < 4 {
			return r.truncated()
		}
		n = int(r.b[r.pos+1]) | int(r.b[r.pos+2])<<8 | int(r.b[r.pos+3])<<16
		hdr = 4
	}
	return r.skip((hdr + n + 3) &^ 3)
}

// minSize is the fewest bytes one vector element of type t can take; vector
// lengths are checked against it so an absurd count cannot allocate much.
func minSize(t *tref) int {
	switch t.kind {
	case kLong, kDouble:
		return 8
	case kInt128:
		return 16
	case kInt256:
		return 32
	case kTrue, kBare:
		return 1 // may really be 0, but a count above the input size is absurd anyway
	}
	return 4
}

// value decodes one value of type t. With skip, which the decoder sets
// inside fixed constructors, it only checks and measures the value: the
// children are not kept, as the value will be copied verbatim.
func (r *decoder) value(t *tref, depth int, skip bool) (value, error) {
	if depth > maxDepth {
		return value{}, fmt.Errorf("nesting deeper than %d: %w", maxDepth, ErrMalformed)
	}
	start := r.pos
	v := value{set: true, verbatim: true}
	var err error
	switch t.kind {
	case kInt:
		err = r.skip(4)
	case kLong, kDouble:
		err = r.skip(8)
	case kInt128:
		err = r.skip(16)
	case kInt256:
		err = r.skip(32)
	case kString, kBytes:
		err = r.str()
	case kTrue:
	case kObject, kAny, kCall:
		v.c, err = r.boxed(t)
		v.boxed = true
		if err == nil {
			err = r.fields(&v, depth, skip)
		}
	case kBare:
		v.c = t.bare
		err = r.fields(&v, depth, skip)
	case kVector, kBareVector:
		err = r.vector(&v, t, depth, skip)
	default:
		err = fmt.Errorf("bad type kind %d", t.kind)
	}
	if err != nil {
		return value{}, err
	}
	v.raw = r.b[start:r.pos]
	return v, nil
}

// boxed reads a constructor id and resolves it for type t.
func (r *decoder) boxed(t *tref) (*ctor, error) {
	id, err := r.u32()
	if err != nil {
		return nil, err
	}
	if t.kind == kCall {
		if c := r.s.fnByID[id]; c != nil {
			return c, nil
		}
		return nil, fmt.Errorf("unknown function %#08x in layer %d: %w", id, r.s.layer, ErrMalformed)
	}
	c := r.s.byID[id]
	switch {
	case c == nil:
		return nil, fmt.Errorf("unknown constructor %#08x in layer %d: %w", id, r.s.layer, ErrMalformed)
	case t.kind == kObject && c.typ != t.name:
		return nil, fmt.Errorf("%s is not a %s: %w", c.name, t.name, ErrMalformed)
	}
	return c, nil
}

// fields decodes the fields of v.c into v.kids (unless skipping).
func (r *decoder) fields(v *value, depth int, skip bool) error {
	c := v.c
	if r.d != nil {
		// A constructor with rules may be rewritten depending on where it
		// appears, so it is never copied blindly.
		e := &r.d.entries[c.index]
		v.verbatim = e.def != nil && e.def.same && e.byType == nil
		skip = skip || r.d.fixed[c.index]
	}
	if len(c.params) == 0 {
		return nil
	}
	if !skip {
		v.kids = r.kids(len(c.params))
	}
	var flags [maxFlags]uint32
	var scratch value
	for i := range c.params {
		p := &c.params[i]
		kid := &scratch
		if !skip {
			kid = &v.kids[i]
		}
		switch {
		case p.flagSlot >= 0:
			start := r.pos
			u, err := r.u32()
			if err != nil {
				return fmt.Errorf("%s.%s: %w", c.name, p.name, err)
			}
			flags[p.flagSlot] = u
			*kid = value{raw: r.b[start:r.pos], set: true, verbatim: true}
		case p.cond && flags[p.slot]&(1<<p.bit) == 0:
			// Absent: the zero value says so.
		case p.t.kind == kTrue:
			*kid = value{set: true, verbatim: true}
		default:
			var err error
			if *kid, err = r.value(p.t, depth+1, skip); err != nil {
				return fmt.Errorf("%s.%s: %w", c.name, p.name, err)
			}
			v.verbatim = v.verbatim && kid.verbatim
		}
	}
	return nil
}

// vector decodes a boxed or bare vector into v.kids (unless skipping).
func (r *decoder) vector(v *value, t *tref, depth int, skip bool) error {
	if t.kind == kVector {
		id, err := r.u32()
		if err != nil {
			return err
		}
		if id != vectorID {
			return fmt.Errorf("%#08x is not a vector: %w", id, ErrMalformed)
		}
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	if int64(n)*int64(minSize(t.elem)) > int64(len(r.b)-r.pos) {
		return fmt.Errorf("vector of %d elements in %d bytes: %w", n, len(r.b)-r.pos, ErrMalformed)
	}
	if n == 0 {
		return nil
	}
	if skip {
		for i := 0; i < int(n); i++ {
			if _, err := r.value(t.elem, depth+1, true); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	v.kids = r.kids(int(n))
	for i := range v.kids {
		if v.kids[i], err = r.value(t.elem, depth+1, false); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		v.verbatim = v.verbatim && v.kids[i].verbatim
	}
	return nil
}
