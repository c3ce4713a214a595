package botapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gotd/td/tg"
)

// describe renders entities compactly: type@offset+length[extra].
func describe(es []tg.MessageEntityClass) string {
	var parts []string
	for _, e := range es {
		extra := ""
		switch e := e.(type) {
		case *tg.MessageEntityTextURL:
			extra = "[" + e.URL + "]"
		case *tg.MessageEntityPre:
			extra = "[" + e.Language + "]"
		case *tg.InputMessageEntityMentionName:
			extra = fmt.Sprintf("[%d]", e.UserID.(*tg.InputUser).UserID)
		case *tg.MessageEntityBlockquote:
			if e.Collapsed {
				extra = "[collapsed]"
			}
		}
		parts = append(parts, fmt.Sprintf("%s@%d+%d%s", strings.TrimPrefix(e.TypeName(), "messageEntity"), e.GetOffset(), e.GetLength(), extra))
	}
	return strings.Join(parts, " ")
}

func TestParseHTML(t *testing.T) {
	for _, tc := range []struct{ in, text, ents string }{
		{"<b>Pick</b> one", "Pick one", "Bold@0+4"},
		{"<strong>a</strong><i>b</i><u>c</u><s>d</s>", "abcd", "Bold@0+1 Italic@1+1 Underline@2+1 Strike@3+1"},
		{`<a href="https://x.io/?a=1&amp;b=2">link</a>`, "link", "TextUrl@0+4[https://x.io/?a=1&b=2]"},
		{`<a href="tg://user?id=42">Ann</a>`, "Ann", "inputMessageEntityMentionName@0+3[42]"},
		{`<pre><code class="language-go">x := 1</code></pre>`, "x := 1", "Pre@0+6[go]"},
		{"<code>a&lt;b</code>", "a<b", "Code@0+3"},
		{`<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, "st", "Spoiler@0+1 Spoiler@1+1"},
		{"<blockquote expandable>q</blockquote>", "q", "Blockquote@0+1[collapsed]"},
		{"😀 <b>x</b>", "😀 x", "Bold@3+1"},
		{"<b><i>both</i></b>", "both", "Italic@0+4 Bold@0+4"},
	} {
		text, ents, err := parseHTML(tc.in)
		if err != nil {
			t.Errorf("parseHTML(%q): %v", tc.in, err)
			continue
		}
		if text != tc.text || describe(ents) != tc.ents {
			t.Errorf("parseHTML(%q) = %q %q, want %q %q", tc.in, text, describe(ents), tc.text, tc.ents)
		}
	}
	for _, bad := range []string{"<b>open", "</b>", "<blink>x</blink>", "<b"} {
		if _, _, err := parseHTML(bad); err == nil || !strings.HasPrefix(err.Error(), "400 Bad Request: can't parse entities") {
			t.Errorf("parseHTML(%q) err = %v, want a can't-parse error", bad, err)
		}
	}
}

func TestParseMarkdown(t *testing.T) {
	for _, tc := range []struct {
		in     string
		v2     bool
		text   string
		ents   string
		errSub string
	}{
		{in: "*bold* _it_ __under__ ~del~ ||sp||", v2: true, text: "bold it under del sp", ents: "Bold@0+4 Italic@5+2 Underline@8+5 Strike@14+3 Spoiler@18+2"},
		{in: "[site](https://x.io) `c`", v2: true, text: "site c", ents: "TextUrl@0+4[https://x.io] Code@5+1"},
		{in: "```py\nprint(1)```", v2: true, text: "print(1)", ents: "Pre@0+8[py]"},
		{in: `a\.b\!`, v2: true, text: "a.b!", ents: ""},
		{in: "a.b", v2: true, errSub: "character '.' is reserved"},
		{in: "*bold* a.b", v2: false, text: "bold a.b", ents: "Bold@0+4"},
		{in: "*open", v2: true, errSub: "can't find end tag"},
	} {
		text, ents, err := parseMarkdown(tc.in, tc.v2)
		if tc.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSub) {
				t.Errorf("parseMarkdown(%q) err = %v, want %q", tc.in, err, tc.errSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseMarkdown(%q): %v", tc.in, err)
			continue
		}
		if text != tc.text || describe(ents) != tc.ents {
			t.Errorf("parseMarkdown(%q) = %q %q, want %q %q", tc.in, text, describe(ents), tc.text, tc.ents)
		}
	}
}

func TestInlineButtonsNeedExactlyOneAction(t *testing.T) {
	data := "d"
	for _, tc := range []struct {
		name string
		b    InlineKeyboardButton
		err  string
	}{
		{"callback", InlineKeyboardButton{Text: "a", CallbackData: &data}, ""},
		{"text only", InlineKeyboardButton{Text: "a"}, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"two actions", InlineKeyboardButton{Text: "a", CallbackData: &data, URL: "https://x.io"}, "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used"},
		{"empty data", InlineKeyboardButton{Text: "a", CallbackData: new(string)}, "Bad Request: BUTTON_DATA_INVALID"},
		{"web app", InlineKeyboardButton{Text: "a", WebApp: []byte(`{"url":"https://x.io"}`)}, "Bad Request: BUTTON_TYPE_INVALID"},
	} {
		_, err := inlineTypeOf(tc.b)
		got := ""
		if err != nil {
			got = err.(*Error).Description
		}
		if got != tc.err {
			t.Errorf("%s: err %q, want %q", tc.name, got, tc.err)
		}
	}
}

func TestChatIDsRoundTrip(t *testing.T) {
	for _, p := range []tg.PeerClass{&tg.PeerUser{UserID: 1000001}, &tg.PeerChat{ChatID: 7}, &tg.PeerChannel{ChannelID: 1000005}} {
		id := chatIDOf(p)
		if back := peerOfChatID(id); back.String() != p.String() {
			t.Errorf("%v -> %d -> %v", p, id, back)
		}
	}
	if got := chatIDOf(&tg.PeerChannel{ChannelID: 1234}); got != -1000000001234 {
		t.Errorf("channel chat id %d, want -1000000001234", got)
	}
}

func TestInlineMessageIDRoundTrip(t *testing.T) {
	in := &tg.InputBotInlineMessageID{DCID: 2, ID: 99, AccessHash: -5}
	s := inlineMessageID(in)
	out, err := parseInlineMessageID(s)
	if err != nil || out.String() != in.String() {
		t.Fatalf("round trip of %v: %v, %v", in, out, err)
	}
	if _, err := parseInlineMessageID("%%%"); err == nil {
		t.Fatal("a malformed inline_message_id was accepted")
	}
}

func TestWithUpdateID(t *testing.T) {
	if got := string(withUpdateID(5, []byte(`{"message":{"a":1}}`))); got != `{"update_id":5,"message":{"a":1}}` {
		t.Fatalf("got %s", got)
	}
}

func TestMarshalUpdate(t *testing.T) {
	data := "x\"<"
	q := CallbackQuery{ID: "7", ChatInstance: "-3", Data: &data}
	got, err := marshalUpdate("callback_query", q)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{"callback_query": q})
	if string(got) != string(want) {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := string(withUpdateID(9, got)); !strings.HasPrefix(got, `{"update_id":9,"callback_query":{"id":"7"`) {
		t.Fatalf("with its id: %s", got)
	}
}
