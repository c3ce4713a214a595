package chat

import (
	"fmt"
	"testing"

	"github.com/gotd/td/tg"
)

func TestDetectEntities(t *testing.T) {
	describe := func(es []tg.MessageEntityClass) string {
		out := ""
		for _, e := range es {
			out += fmt.Sprintf("%s@%d+%d ", e.TypeName(), e.GetOffset(), e.GetLength())
		}
		return out
	}
	for _, tc := range []struct {
		name, text string
		given      []tg.MessageEntityClass
		want       string
	}{
		{"command", "/start", nil, "messageEntityBotCommand@0+6 "},
		{"command with bot and parameter", "/start@demo_bot abc", nil, "messageEntityBotCommand@0+15 "},
		{"mention and hashtag", "hi @alice #news", nil, "messageEntityMention@3+6 messageEntityHashtag@10+5 "},
		{"url trims punctuation", "see https://t.me/x.", nil, "messageEntityUrl@4+14 "},
		{"utf16 offsets", "😀 /help", nil, "messageEntityBotCommand@3+5 "},
		{"not inside words", "a/b me@x.io", nil, ""},
		{"given entities win", "/start", []tg.MessageEntityClass{&tg.MessageEntityBold{Offset: 0, Length: 6}}, ""},
		{"short mention skipped", "@ab", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(detectEntities(tc.text, tc.given)); got != tc.want {
				t.Fatalf("detectEntities(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}
