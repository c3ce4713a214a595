package layer

import "fmt"

// direction holds everything needed to convert from one layer to another.
// It is built once and only read afterwards.
type direction struct {
	src, dst *schema
	entries  []entry          // by source ctor index
	fixed    []bool           // by source ctor index: see markFixed
	results  map[uint32]*tref // Latest method id -> result type in dst (down only)
	types    map[string]*tref // Latest type name -> same type in dst (down only)
}

// entry says how one source constructor is written in the target layer.
type entry struct {
	def    *plan            // by name; nil when the name is unknown to dst
	byType map[string]*plan // rules, keyed by the target type they produce
}

// plan converts objects of one source constructor into one target
// constructor. Rule plans may instead pick the target per value (pick).
type plan struct {
	src, dst *ctor
	same     bool        // identical encoding: a value may be copied verbatim
	fields   []fieldPlan // one per dst param

	// pickField, when pick is set, is the source field whose constructor
	// selects the plan: used where newer layers moved a constructor's
	// meaning into a field (keyboardButtonUrl ≡ keyboardInlineButton with
	// type inlineButtonTypeUrl).
	pickField int
	pick      map[*ctor]*plan
}

// fieldPlan says where the value of one target field comes from.
type fieldPlan struct {
	from  int   // source param index, -1 when the source has no such field
	inner bool  // from indexes the picked inner object, not the source itself
	nest  *plan // build the field as an object from the same source value
	same  bool  // source and target field types have the same shape
}

// newDirection precomputes the plans from src to dst, latest being the
// Latest schema (which is src for down directions and dst for up ones).
func newDirection(src, dst *schema, up bool) (*direction, error) {
	d := &direction{src: src, dst: dst, entries: make([]entry, len(src.all))}
	for _, c := range src.all {
		names := dst.byName
		if c.fn {
			names = dst.fnByName
		}
		if t := names[c.name]; t != nil {
			d.entries[c.index].def = matchFields(c, t, nil)
		}
	}
	if err := d.addRules(up); err != nil {
		return nil, err
	}
	d.markFixed()
	if up {
		return d, nil
	}
	// Down: results and DownObject types are named in Latest (src) terms,
	// and converted to what the client's layer declares.
	d.results = make(map[uint32]*tref, len(src.fnByID))
	for id, m := range src.fnByID {
		if t := dst.fnByName[m.name]; t != nil {
			d.results[id] = t.result
		} else if r, err := dst.parseType(typeString(m.result)); err == nil {
			d.results[id] = r
		}
	}
	d.types = make(map[string]*tref, len(src.types))
	for name := range src.types {
		if len(dst.types[name]) > 0 {
			d.types[name] = &tref{kind: kObject, name: name}
		}
	}
	return d, nil
}

// matchFields builds the plan from s to t matching fields by name. When inner
// is set, fields that s lacks are looked up in inner (a picked field value).
func matchFields(s, t, inner *ctor) *plan {
	p := &plan{src: s, dst: t, fields: make([]fieldPlan, len(t.params))}
	p.same = inner == nil && s.id == t.id && s.typ == t.typ &&
		len(s.params) == len(t.params) && sameResult(s, t)
	for i := range t.params {
		tp := &t.params[i]
		fp := fieldPlan{from: -1}
		var sp *param
		if j, ok := s.byName[tp.name]; ok {
			sp, fp.from = &s.params[j], j
		} else if inner != nil {
			if j, ok := inner.byName[tp.name]; ok {
				sp, fp.from, fp.inner = &inner.params[j], j, true
			}
		}
		switch {
		case sp == nil || tp.flagSlot >= 0 || sp.flagSlot >= 0:
			// Flag words are recomputed from the fields, never copied.
			fp.from, fp.inner = -1, false
		default:
			fp.same = sameShape(sp.t, tp.t)
		}
		if p.same {
			sp := &s.params[i]
			p.same = sp.name == tp.name && sp.flagSlot == tp.flagSlot &&
				sp.cond == tp.cond && sp.slot == tp.slot && sp.bit == tp.bit &&
				(tp.t == nil) == (sp.t == nil) && (tp.t == nil || sameShape(sp.t, tp.t))
		}
		p.fields[i] = fp
	}
	return p
}

// markFixed finds the constructors whose values are always encoded the same
// in both layers, however they are nested: same definition, no rule, and
// only fixed types in their fields. The decoder skips over such values
// without building their children, which is most of a typical object
// (peers, entities, photos...). It is the greatest fixpoint: start from
// every same-shaped constructor and drop those reaching a non-fixed one.
func (d *direction) markFixed() {
	d.fixed = make([]bool, len(d.src.all))
	for i := range d.entries {
		e := &d.entries[i]
		d.fixed[i] = e.def != nil && e.def.same && e.byType == nil
	}
	// Rules read the fields of the object they pick on: keep its children.
	for i := range d.entries {
		for _, p := range d.entries[i].byType {
			for inner := range p.pick {
				d.fixed[inner.index] = false
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for i, c := range d.src.all {
			if d.fixed[i] && !d.fixedParams(c) {
				d.fixed[i], changed = false, true
			}
		}
	}
}

func (d *direction) fixedParams(c *ctor) bool {
	for i := range c.params {
		if t := c.params[i].t; t != nil && !d.fixedType(t) {
			return false
		}
	}
	return true
}

func (d *direction) fixedType(t *tref) bool {
	switch t.kind {
	case kVector, kBareVector:
		return d.fixedType(t.elem)
	case kObject:
		for _, c := range d.src.types[t.name] {
			if !d.fixed[c.index] {
				return false
			}
		}
		return true
	case kBare:
		return d.fixed[t.bare.index]
	case kCall, kAny:
		return false // could be any constructor
	}
	return true
}

func sameResult(s, t *ctor) bool {
	if s.fn != t.fn {
		return false
	}
	return !s.fn || sameShape(s.result, t.result)
}

// renames pairs a constructor of older layers with the Latest constructor
// that replaced it when the two have different types, so name matching alone
// would pick the wrong one (keyboardButtonRow still exists in Latest but only
// for reply keyboards).
var renames = []struct{ old, latest string }{
	{"keyboardButtonRow", "keyboardInlineButtonRow"},
}

// splits lists constructors of older layers whose meaning moved, in Latest,
// into a field holding a constructor of its own: old ≡ outer{field: inner{…}},
// fields matched by name on both sides. Layer 198 has one KeyboardButton
// type for every button; Latest has KeyboardButton (reply keyboards, kind in
// ButtonType) and KeyboardInlineButton (kind in InlineButtonType).
var splits = []struct{ old, outer, field, inner string }{
	{"keyboardButtonUrl", "keyboardInlineButton", "type", "inlineButtonTypeUrl"},
	{"keyboardButtonCallback", "keyboardInlineButton", "type", "inlineButtonTypeCallback"},
	{"keyboardButtonSwitchInline", "keyboardInlineButton", "type", "inlineButtonTypeSwitchInline"},
	{"keyboardButtonGame", "keyboardInlineButton", "type", "inlineButtonTypeGame"},
	{"keyboardButtonBuy", "keyboardInlineButton", "type", "inlineButtonTypeBuy"},
	{"keyboardButtonUrlAuth", "keyboardInlineButton", "type", "inlineButtonTypeUrlAuth"},
	{"inputKeyboardButtonUrlAuth", "keyboardInlineButton", "type", "inputInlineButtonTypeUrlAuth"},
	{"keyboardButtonUserProfile", "keyboardInlineButton", "type", "inlineButtonTypeUserProfile"},
	{"inputKeyboardButtonUserProfile", "keyboardInlineButton", "type", "inputInlineButtonTypeUserProfile"},
	{"keyboardButtonWebView", "keyboardInlineButton", "type", "inlineButtonTypeWebView"},
	{"keyboardButtonCopy", "keyboardInlineButton", "type", "inlineButtonTypeCopy"},
	{"keyboardButton", "keyboardButton", "type", "buttonTypeDefault"},
	{"keyboardButtonRequestPhone", "keyboardButton", "type", "buttonTypeRequestPhone"},
	{"keyboardButtonRequestGeoLocation", "keyboardButton", "type", "buttonTypeRequestGeoLocation"},
	{"keyboardButtonRequestPoll", "keyboardButton", "type", "buttonTypeRequestPoll"},
	{"keyboardButtonRequestPeer", "keyboardButton", "type", "buttonTypeRequestPeer"},
	{"inputKeyboardButtonRequestPeer", "keyboardButton", "type", "inputButtonTypeRequestPeer"},
	{"keyboardButtonSimpleWebView", "keyboardButton", "type", "buttonTypeSimpleWebView"},
}

// addRules registers the rules whose names all resolve in this pair of
// layers; a rule that does not resolve simply does not apply to the pair.
func (d *direction) addRules(up bool) error {
	old, latest := d.dst, d.src
	if up {
		old, latest = d.src, d.dst
	}
	for _, r := range renames {
		o, l := old.byName[r.old], latest.byName[r.latest]
		if o == nil || l == nil || o.typ == l.typ {
			continue
		}
		if up {
			d.rule(o, l.typ, matchFields(o, l, nil))
		} else {
			d.rule(l, o.typ, matchFields(l, o, nil))
		}
	}
	for _, r := range splits {
		o, outer, inner := old.byName[r.old], latest.byName[r.outer], latest.byName[r.inner]
		if o == nil || outer == nil || inner == nil {
			continue
		}
		fi, ok := outer.byName[r.field]
		if !ok || outer.params[fi].t == nil || outer.params[fi].t.kind != kObject ||
			outer.params[fi].t.name != inner.typ || outer.params[fi].cond {
			return fmt.Errorf("rule %s: %s.%s is not a required %s", r.old, r.outer, r.field, inner.typ)
		}
		if up {
			p := matchFields(o, outer, nil)
			p.fields[fi] = fieldPlan{from: -1, nest: matchFields(o, inner, nil)}
			d.rule(o, outer.typ, p)
			continue
		}
		p := d.entries[outer.index].byType[o.typ]
		if p == nil {
			p = &plan{src: outer, pickField: fi, pick: map[*ctor]*plan{}}
			d.rule(outer, o.typ, p)
		}
		sub := matchFields(outer, o, inner)
		for i := range sub.fields {
			if !sub.fields[i].inner && sub.fields[i].from == fi {
				sub.fields[i].from = -1 // the picked field itself is consumed
			}
		}
		p.pick[inner] = sub
	}
	return nil
}

func (d *direction) rule(src *ctor, typ string, p *plan) {
	e := &d.entries[src.index]
	if e.byType == nil {
		e.byType = map[string]*plan{}
	}
	e.byType[typ] = p
}

// planFor returns the plan for writing a value of source constructor c where
// the target layer expects type want ("" when any type is acceptable).
func (d *direction) planFor(c *ctor, want string) (*plan, error) {
	e := &d.entries[c.index]
	if p := e.byType[want]; p != nil {
		return p, nil
	}
	if e.def == nil {
		return nil, fmt.Errorf("%s: %w in layer %d", c.name, ErrNoEquivalent, d.dst.layer)
	}
	if want != "" && !c.fn && e.def.dst.typ != want {
		return nil, fmt.Errorf("%s is a %s in layer %d, not a %s: %w",
			c.name, e.def.dst.typ, d.dst.layer, want, ErrNoEquivalent)
	}
	return e.def, nil
}

// typeString renders a compiled type back to TL syntax.
func typeString(t *tref) string {
	switch t.kind {
	case kVector:
		return "Vector<" + typeString(t.elem) + ">"
	case kBareVector:
		return "vector<" + typeString(t.elem) + ">"
	case kCall:
		return "!X"
	case kAny:
		return "X"
	}
	return t.name
}
