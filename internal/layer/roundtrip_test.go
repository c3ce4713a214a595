package layer

import (
	"reflect"
	"slices"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tdp"
	"github.com/gotd/td/tg"
)

var fieldsType = reflect.TypeFor[bin.Fields]()

// walk calls f on every struct reachable from v, parents first.
func walk(v reflect.Value, f func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), f)
		}
	case reflect.Struct:
		f(v)
		for i := 0; i < v.NumField(); i++ {
			walk(v.Field(i), f)
		}
	}
}

func typeInfo(v reflect.Value) (tdp.Type, bool) {
	if !v.CanAddr() {
		return tdp.Type{}, false
	}
	o, ok := v.Addr().Interface().(tdp.Object)
	if !ok {
		return tdp.Type{}, false
	}
	return o.TypeInfo(), true
}

// dropMissing zeroes, in the gotd value v, every field that cannot survive a
// trip through the older schema old: fields its counterpart constructor
// lacks. The counterpart is found like the transcoder does, by name or
// through the rule tables. It returns the non-zero fields it dropped.
func dropMissing(v reflect.Value, old *schema) []string {
	var dropped []string
	zero := func(s reflect.Value, info tdp.Type, keep *ctor, except string) {
		for _, f := range info.Fields {
			if _, ok := keep.byName[f.SchemaName]; ok || f.SchemaName == except {
				continue
			}
			if fv := s.FieldByName(f.Name); !fv.IsZero() {
				dropped = append(dropped, info.Name+"."+f.SchemaName)
				fv.SetZero()
			}
		}
	}
	walk(v, func(s reflect.Value) {
		info, ok := typeInfo(s)
		if !ok {
			return
		}
		for _, r := range splits {
			if r.outer != info.Name {
				continue
			}
			inner := s.FieldByName("Type").Elem().Elem()
			innerInfo, _ := typeInfo(inner)
			if innerInfo.Name == r.inner {
				flat := old.byName[r.old]
				zero(s, info, flat, r.field)
				zero(inner, innerInfo, flat, "")
				return
			}
		}
		keep := old.byName[info.Name]
		if keep == nil {
			keep = old.fnByName[info.Name]
		}
		for _, r := range renames {
			if r.latest == info.Name {
				keep = old.byName[r.old]
			}
		}
		if keep != nil {
			zero(s, info, keep, "")
		}
	})
	return dropped
}

// normalize clears what a round trip may legitimately change: flag words
// (recomputed) and nil versus empty slices.
func normalize(v reflect.Value) {
	walk(v, func(s reflect.Value) {
		for i := 0; i < s.NumField(); i++ {
			f := s.Field(i)
			switch {
			case !f.CanSet():
			case f.Type() == fieldsType:
				f.SetZero()
			case f.Kind() == reflect.Slice && f.Len() == 0:
				f.SetZero()
			}
		}
	})
}

// assertSame compares two gotd values after normalize.
func assertSame(t *testing.T, got, want bin.Object) {
	t.Helper()
	normalize(reflect.ValueOf(got))
	normalize(reflect.ValueOf(want))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the round trip:\n got %v\nwant %v", got, want)
	}
}

func TestRoundTripRequestsThrough198(t *testing.T) {
	tr := Default()
	old := tr.mustTables().up[198].src
	for _, tc := range requestCases() {
		t.Run(tc.name, func(t *testing.T) {
			latest := encode(t, tc.req)
			in198, err := downCall(tr, 198, latest)
			if err != nil {
				t.Fatalf("down to 198: %v", err)
			}
			if _, err := parseRef(old, callRef, in198); err != nil {
				t.Fatalf("198 bytes do not parse in layer 198: %v", err)
			}
			back, err := tr.UpRequest(198, in198)
			if err != nil {
				t.Fatalf("UpRequest: %v", err)
			}
			got, want := tc.fresh(), tc.fresh()
			decodeInto(t, back, got)
			decodeInto(t, latest, want)
			dropped := dropMissing(reflect.ValueOf(want), old)
			t.Logf("dropped by layer 198: %v", dropped)
			assertSame(t, got, want)
		})
	}
}

// TestRoundTripDropsLatestOnlyFields checks that dropMissing is not vacuous:
// the fixtures set fields that layer 198 lacks, and the schemas say so.
func TestRoundTripDropsLatestOnlyFields(t *testing.T) {
	req := sendMessage(replyKeyboard())
	var fresh tg.MessagesSendMessageRequest
	decodeInto(t, encode(t, req), &fresh)
	dropped := dropMissing(reflect.ValueOf(&fresh), Default().mustTables().up[198].src)
	for _, f := range []string{
		"messages.sendMessage.schedule_repeat_period", "messages.sendMessage.allow_paid_stars",
		"inputReplyToMessage.todo_item_id", "replyKeyboardMarkup.force_reply",
	} {
		if !slices.Contains(dropped, f) {
			t.Errorf("%s not dropped; dropped %v", f, dropped)
		}
	}
}

func TestRoundTripObjectsThrough198(t *testing.T) {
	tr := Default()
	old := tr.mustTables().up[198].src
	tests := []struct {
		name  string
		typ   string
		obj   bin.Object
		fresh func() bin.Object
	}{
		{"updates with messages, users and a chat", "Updates", updates(3), func() bin.Object { return &tg.Updates{} }},
		{"config", "Config", config(), func() bin.Object { return &tg.Config{} }},
		{"bot user", "User", user(7), func() bin.Object { return &tg.User{} }},
		{"message with inline keyboard", "Message", message(1, inlineMarkup()), func() bin.Object { return &tg.Message{} }},
		{"inline keyboard", "ReplyMarkup", inlineMarkup(), func() bin.Object { return &tg.ReplyInlineMarkup{} }},
		{"reply keyboard", "ReplyMarkup", replyKeyboard(), func() bin.Object { return &tg.ReplyKeyboardMarkup{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			latest := encode(t, tc.obj)
			in198, err := tr.DownObject(198, tc.typ, latest)
			if err != nil {
				t.Fatalf("DownObject: %v", err)
			}
			if _, err := parse(old, tc.typ, in198); err != nil {
				t.Fatalf("198 bytes do not parse in layer 198: %v", err)
			}
			back, err := upObject(tr, 198, tc.typ, in198)
			if err != nil {
				t.Fatalf("up from 198: %v", err)
			}
			got, want := tc.fresh(), tc.fresh()
			decodeInto(t, back, got)
			decodeInto(t, latest, want)
			t.Logf("dropped by layer 198: %v", dropMissing(reflect.ValueOf(want), old))
			assertSame(t, got, want)
		})
	}
}

// TestKeyboardButtonsIn198 checks what a GramJS client actually receives for
// each kind of Latest button.
func TestKeyboardButtonsIn198(t *testing.T) {
	tr := Default()
	old := tr.mustTables().up[198].src
	inline := func(typ tg.InlineButtonTypeClass) tg.ReplyMarkupClass {
		return &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
			{Text: "T", Type: typ, Style: tg.KeyboardButtonStyle{BgDanger: true}},
		}}}}
	}
	reply := func(typ tg.ButtonTypeClass) tg.ReplyMarkupClass {
		return &tg.ReplyKeyboardMarkup{Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
			{Text: "T", Type: typ},
		}}}}
	}
	tests := []struct {
		name   string
		markup tg.ReplyMarkupClass
		want   string            // layer-198 constructor of the button
		fields map[string]string // string fields expected on it
		flags  []string          // true flags expected on it
	}{
		{"callback with password", inline(&tg.InlineButtonTypeCallback{RequiresPassword: true, Data: []byte("d")}),
			"keyboardButtonCallback", map[string]string{"text": "T", "data": "d"}, []string{"requires_password"}},
		{"url", inline(&tg.InlineButtonTypeURL{URL: "https://x"}),
			"keyboardButtonUrl", map[string]string{"text": "T", "url": "https://x"}, nil},
		{"game", inline(&tg.InlineButtonTypeGame{}), "keyboardButtonGame", map[string]string{"text": "T"}, nil},
		{"copy", inline(&tg.InlineButtonTypeCopy{CopyText: "c"}),
			"keyboardButtonCopy", map[string]string{"copy_text": "c"}, nil},
		{"plain reply button", reply(&tg.ButtonTypeDefault{}), "keyboardButton", map[string]string{"text": "T"}, nil},
		{"request phone", reply(&tg.ButtonTypeRequestPhone{}), "keyboardButtonRequestPhone", map[string]string{"text": "T"}, nil},
		{"simple web view", reply(&tg.ButtonTypeSimpleWebView{URL: "https://w"}),
			"keyboardButtonSimpleWebView", map[string]string{"url": "https://w"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tr.DownObject(198, "ReplyMarkup", encode(t, tc.markup))
			if err != nil {
				t.Fatal(err)
			}
			v, err := parse(old, "ReplyMarkup", b)
			if err != nil {
				t.Fatal(err)
			}
			row := field(t, v, "rows").kids[0]
			if row.c.name != "keyboardButtonRow" {
				t.Fatalf("row is %s", row.c.name)
			}
			btn := field(t, row, "buttons").kids[0]
			if btn.c.name != tc.want {
				t.Fatalf("button is %s, want %s", btn.c.name, tc.want)
			}
			for name, want := range tc.fields {
				if got := field(t, btn, name).str(); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range tc.flags {
				if !has(btn, name) {
					t.Errorf("flag %s not set", name)
				}
			}
		})
	}
}

func TestButtonWithoutEquivalentIn198(t *testing.T) {
	markup := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "off", Type: &tg.InlineButtonTypeDisabled{}},
	}}}}
	_, err := Default().DownObject(198, "ReplyMarkup", encode(t, markup))
	assertErr(t, err, ErrNoEquivalent, "inlineButtonTypeDisabled")
}
