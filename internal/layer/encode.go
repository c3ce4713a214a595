package layer

import (
	"encoding/binary"
	"fmt"
)

// encoder writes decoded source values in the target layer of d.
type encoder struct {
	d   *direction
	out []byte
}

func (e *encoder) u32(u uint32) {
	e.out = binary.LittleEndian.AppendUint32(e.out, u)
}

func mismatch(st, dt *tref) error {
	return fmt.Errorf("cannot convert %s to %s: %w", typeString(st), typeString(dt), ErrNoEquivalent)
}

// value writes v, of source type st, as target type dt. same says that st
// and dt have the same shape, so a verbatim value can be copied as is.
func (e *encoder) value(dt, st *tref, v *value, same bool) error {
	if same && v.verbatim {
		e.out = append(e.out, v.raw...)
		return nil
	}
	switch dt.kind {
	case kInt:
		switch st.kind {
		case kInt:
			e.out = append(e.out, v.raw...)
		case kLong:
			x := int64(binary.LittleEndian.Uint64(v.raw))
			if x != int64(int32(x)) {
				return fmt.Errorf("long %d does not fit an int: %w", x, ErrNoEquivalent)
			}
			e.u32(uint32(x))
		default:
			return mismatch(st, dt)
		}
	case kLong:
		switch st.kind {
		case kLong:
			e.out = append(e.out, v.raw...)
		case kInt:
			x := int64(int32(binary.LittleEndian.Uint32(v.raw)))
			e.out = binary.LittleEndian.AppendUint64(e.out, uint64(x))
		default:
			return mismatch(st, dt)
		}
	case kDouble, kInt128, kInt256:
		if st.kind != dt.kind {
			return mismatch(st, dt)
		}
		e.out = append(e.out, v.raw...)
	case kString, kBytes:
		// Same wire form: only the meaning differs.
		if st.kind != kString && st.kind != kBytes {
			return mismatch(st, dt)
		}
		e.out = append(e.out, v.raw...)
	case kTrue:
		// Only a flag bit, set by the caller.
	case kObject:
		if st.kind == kTrue && dt.name == "Bool" {
			return e.boolean(v.set)
		}
		if v.c == nil || v.c.fn {
			return mismatch(st, dt)
		}
		return e.object(v, dt.name, nil)
	case kAny:
		if v.c == nil || v.c.fn {
			return mismatch(st, dt)
		}
		return e.object(v, "", nil)
	case kCall:
		if v.c == nil || !v.c.fn {
			return mismatch(st, dt)
		}
		return e.object(v, "", nil)
	case kBare:
		if v.c == nil || v.c.fn {
			return mismatch(st, dt)
		}
		return e.object(v, dt.bare.typ, dt.bare)
	case kVector, kBareVector:
		return e.vector(dt, st, v)
	default:
		return mismatch(st, dt)
	}
	return nil
}

// boolean writes boolTrue or boolFalse, for a `true` flag that became a Bool.
func (e *encoder) boolean(b bool) error {
	name := "boolFalse"
	if b {
		name = "boolTrue"
	}
	c := e.d.dst.byName[name]
	if c == nil {
		return fmt.Errorf("layer %d has no %s: %w", e.d.dst.layer, name, ErrNoEquivalent)
	}
	e.u32(c.id)
	return nil
}

func (e *encoder) vector(dt, st *tref, v *value) error {
	if st.kind != kVector && st.kind != kBareVector {
		return mismatch(st, dt)
	}
	if dt.kind == kVector {
		e.u32(vectorID)
	}
	e.u32(uint32(len(v.kids)))
	same := sameShape(st.elem, dt.elem)
	for i := range v.kids {
		if err := e.value(dt.elem, st.elem, &v.kids[i], same); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil
}

// object writes the object or call v where the target expects type want
// (any type if ""). bare is the constructor a bare target requires, nil for
// a boxed target, which gets its constructor id written.
func (e *encoder) object(v *value, want string, bare *ctor) error {
	p, err := e.d.planFor(v.c, want)
	if err != nil {
		return &ConstructorError{Constructor: v.c.name, Want: want, Err: err}
	}
	var inner *value
	if p.pick != nil {
		inner = &v.kids[p.pickField]
		sub := p.pick[inner.c]
		if sub == nil {
			return fmt.Errorf("%s with %s %s: %w in layer %d", v.c.name,
				v.c.params[p.pickField].name, inner.c.name, ErrNoEquivalent, e.d.dst.layer)
		}
		p = sub
	}
	switch {
	case bare == nil:
		e.u32(p.dst.id)
	case p.dst != bare:
		return fmt.Errorf("%s becomes %s, not the bare %s: %w", v.c.name, p.dst.name, bare.name, ErrNoEquivalent)
	}
	if p.same && v.verbatim {
		// The fields encode identically; only the field's type changed
		// around them (or boxing did). This path is also what makes it safe
		// for the decoder to skip the children of fixed constructors.
		body := v.raw
		if v.boxed {
			body = body[4:]
		}
		e.out = append(e.out, body...)
		return nil
	}
	return e.fields(p, v, inner)
}

// source returns the source value and type feeding a target field.
func source(p *plan, fp *fieldPlan, v, inner *value) (*value, *tref) {
	switch {
	case fp.from < 0:
		return nil, nil
	case fp.inner:
		return &inner.kids[fp.from], inner.c.params[fp.from].t
	}
	return &v.kids[fp.from], p.src.params[fp.from].t
}

// present reports whether the conditional target field tp gets its flag set.
func present(p *plan, fp *fieldPlan, tp *param, v, inner *value) bool {
	if fp.nest != nil {
		return true
	}
	sv, st := source(p, fp, v, inner)
	if sv == nil || !sv.set {
		return false
	}
	if tp.t.kind == kTrue && st.kind == kObject && st.name == "Bool" {
		// A Bool that became a flag: only true sets it.
		return sv.c != nil && sv.c.name == "boolTrue"
	}
	return true
}

// fields writes the fields of p.dst, recomputing every flag word from the
// fields actually present.
func (e *encoder) fields(p *plan, v, inner *value) error {
	var flags [maxFlags]uint32
	for i := range p.dst.params {
		tp := &p.dst.params[i]
		if tp.cond && present(p, &p.fields[i], tp, v, inner) {
			flags[tp.slot] |= 1 << tp.bit
		}
	}
	for i := range p.dst.params {
		tp, fp := &p.dst.params[i], &p.fields[i]
		if tp.flagSlot >= 0 {
			e.u32(flags[tp.flagSlot])
			continue
		}
		if (tp.cond && flags[tp.slot]&(1<<tp.bit) == 0) || tp.t.kind == kTrue {
			continue
		}
		var err error
		if fp.nest != nil {
			e.u32(fp.nest.dst.id)
			err = e.fields(fp.nest, v, nil)
		} else if sv, st := source(p, fp, v, inner); sv != nil && sv.set {
			err = e.value(tp.t, st, sv, fp.same)
		} else {
			// Missing in the source, or absent there while required here,
			// or sharing a flag bit with a field that is present.
			err = e.zero(tp.t, 0)
		}
		if err != nil {
			return fmt.Errorf("%s.%s: %w", p.dst.name, tp.name, err)
		}
	}
	return nil
}

// zero writes the TL zero value of t.
func (e *encoder) zero(t *tref, depth int) error {
	switch t.kind {
	case kInt, kString, kBytes:
		// An empty string is a zero length byte and three bytes of padding.
		e.u32(0)
	case kLong, kDouble:
		e.out = append(e.out, make([]byte, 8)...)
	case kInt128:
		e.out = append(e.out, make([]byte, 16)...)
	case kInt256:
		e.out = append(e.out, make([]byte, 32)...)
	case kTrue:
	case kVector:
		e.u32(vectorID)
		e.u32(0)
	case kBareVector:
		e.u32(0)
	case kObject:
		c := e.d.dst.empty[t.name]
		if c == nil {
			return fmt.Errorf("required %s has no field-less constructor to default to: %w", t.name, ErrNoEquivalent)
		}
		e.u32(c.id)
	case kBare:
		if depth > maxDepth {
			return fmt.Errorf("zero %s nests deeper than %d: %w", t.name, maxDepth, ErrNoEquivalent)
		}
		for i := range t.bare.params {
			p := &t.bare.params[i]
			var err error
			switch {
			case p.flagSlot >= 0:
				e.u32(0)
			case !p.cond:
				err = e.zero(p.t, depth+1)
			}
			if err != nil {
				return fmt.Errorf("%s.%s: %w", t.bare.name, p.name, err)
			}
		}
	default:
		return fmt.Errorf("no zero value for %s: %w", typeString(t), ErrNoEquivalent)
	}
	return nil
}
