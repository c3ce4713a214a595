package botapi

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gotd/td/tg"
)

// text reads a message text with its formatting: the entities parameter (a
// JSON array) or parse_mode (HTML, MarkdownV2 or Markdown), as the Bot API
// accepts them.
func text(p *params, textField, entitiesField, modeField string) (string, []tg.MessageEntityClass, error) {
	s, err := p.str(textField)
	if err != nil {
		return "", nil, err
	}
	var given []MessageEntity
	if ok, err := p.object(entitiesField, &given); err != nil {
		return "", nil, err
	} else if ok {
		ents, err := entitiesIn(given)
		return s, ents, err
	}
	mode, err := p.str(modeField)
	if err != nil {
		return "", nil, err
	}
	switch strings.ToLower(mode) {
	case "":
		return s, nil, nil
	case "html":
		return parseHTML(s)
	case "markdownv2":
		return parseMarkdown(s, true)
	case "markdown":
		return parseMarkdown(s, false)
	}
	return "", nil, badRequest("unsupported parse_mode")
}

// entitiesIn turns Bot API entities into TL ones.
func entitiesIn(in []MessageEntity) ([]tg.MessageEntityClass, error) {
	out := make([]tg.MessageEntityClass, 0, len(in))
	for _, e := range in {
		o, l := e.Offset, e.Length
		var te tg.MessageEntityClass
		switch e.Type {
		case "mention":
			te = &tg.MessageEntityMention{Offset: o, Length: l}
		case "hashtag":
			te = &tg.MessageEntityHashtag{Offset: o, Length: l}
		case "cashtag":
			te = &tg.MessageEntityCashtag{Offset: o, Length: l}
		case "bot_command":
			te = &tg.MessageEntityBotCommand{Offset: o, Length: l}
		case "url":
			te = &tg.MessageEntityURL{Offset: o, Length: l}
		case "email":
			te = &tg.MessageEntityEmail{Offset: o, Length: l}
		case "phone_number":
			te = &tg.MessageEntityPhone{Offset: o, Length: l}
		case "bold":
			te = &tg.MessageEntityBold{Offset: o, Length: l}
		case "italic":
			te = &tg.MessageEntityItalic{Offset: o, Length: l}
		case "underline":
			te = &tg.MessageEntityUnderline{Offset: o, Length: l}
		case "strikethrough":
			te = &tg.MessageEntityStrike{Offset: o, Length: l}
		case "spoiler":
			te = &tg.MessageEntitySpoiler{Offset: o, Length: l}
		case "code":
			te = &tg.MessageEntityCode{Offset: o, Length: l}
		case "pre":
			te = &tg.MessageEntityPre{Offset: o, Length: l, Language: e.Language}
		case "text_link":
			te = &tg.MessageEntityTextURL{Offset: o, Length: l, URL: e.URL}
		case "text_mention":
			if e.User == nil {
				return nil, badRequest("can't parse entities: text_mention without a user")
			}
			te = &tg.InputMessageEntityMentionName{Offset: o, Length: l, UserID: &tg.InputUser{UserID: e.User.ID}}
		case "blockquote":
			te = &tg.MessageEntityBlockquote{Offset: o, Length: l}
		case "expandable_blockquote":
			te = &tg.MessageEntityBlockquote{Offset: o, Length: l, Collapsed: true}
		default:
			return nil, badRequest("can't parse entities: unsupported entity type %q", e.Type)
		}
		out = append(out, te)
	}
	return out, nil
}

// builder accumulates plain text and the entities opened over it, counting
// in UTF-16 code units as Telegram does.
type builder struct {
	sb    strings.Builder
	units int
	open  []openEntity
	done  []tg.MessageEntityClass
}

type openEntity struct {
	tag   string
	start int
	make  func(off, n int) tg.MessageEntityClass
}

func (b *builder) write(s string) {
	b.sb.WriteString(s)
	b.units += len(utf16.Encode([]rune(s)))
}

func (b *builder) push(tag string, mk func(off, n int) tg.MessageEntityClass) {
	b.open = append(b.open, openEntity{tag: tag, start: b.units, make: mk})
}

// pop closes the innermost entity named tag; false when none is open.
func (b *builder) pop(tag string) bool {
	for i := len(b.open) - 1; i >= 0; i-- {
		if b.open[i].tag != tag {
			continue
		}
		e := b.open[i]
		b.open = append(b.open[:i], b.open[i+1:]...)
		if n := b.units - e.start; n > 0 && e.make != nil {
			b.done = append(b.done, e.make(e.start, n))
		}
		return true
	}
	return false
}

func (b *builder) result(mode string) (string, []tg.MessageEntityClass, error) {
	if len(b.open) > 0 {
		return "", nil, badRequest("can't parse entities: can't find end tag corresponding to start tag %q", b.open[0].tag)
	}
	return b.sb.String(), b.done, nil
}

// simple makes the entities that carry only offset and length.
func simple(tag string) func(off, n int) tg.MessageEntityClass {
	return func(off, n int) tg.MessageEntityClass {
		switch tag {
		case "b":
			return &tg.MessageEntityBold{Offset: off, Length: n}
		case "i":
			return &tg.MessageEntityItalic{Offset: off, Length: n}
		case "u":
			return &tg.MessageEntityUnderline{Offset: off, Length: n}
		case "s":
			return &tg.MessageEntityStrike{Offset: off, Length: n}
		case "spoiler":
			return &tg.MessageEntitySpoiler{Offset: off, Length: n}
		case "code":
			return &tg.MessageEntityCode{Offset: off, Length: n}
		case "blockquote":
			return &tg.MessageEntityBlockquote{Offset: off, Length: n}
		}
		return nil
	}
}

// htmlTags maps the Bot API's HTML tags to entity kinds.
var htmlTags = map[string]string{
	"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u",
	"s": "s", "strike": "s", "del": "s", "tg-spoiler": "spoiler", "code": "code",
	"blockquote": "blockquote",
}

// parseHTML reads the Bot API's HTML style.
func parseHTML(s string) (string, []tg.MessageEntityClass, error) {
	var b builder
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.write(html.UnescapeString(s))
			break
		}
		b.write(html.UnescapeString(s[:lt]))
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			return "", nil, badRequest("can't parse entities: unclosed start tag at byte offset %d", lt)
		}
		tag := s[lt+1 : lt+gt]
		s = s[lt+gt+1:]
		closing := strings.HasPrefix(tag, "/")
		name, attrs, _ := strings.Cut(strings.TrimPrefix(tag, "/"), " ")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "span" && (closing || strings.Contains(attrs, "tg-spoiler")) {
			name = "tg-spoiler"
		}
		kind, known := htmlTags[name]
		switch {
		case name == "a":
			kind, known = "a", true
		case name == "pre":
			kind, known = "pre", true
		}
		if !known {
			return "", nil, badRequest("can't parse entities: unsupported start tag %q", name)
		}
		if closing {
			if !b.pop(kind) {
				return "", nil, badRequest("can't parse entities: unmatched end tag %q", name)
			}
			continue
		}
		switch kind {
		case "a":
			href := html.UnescapeString(attr(attrs, "href"))
			if id, ok := strings.CutPrefix(href, "tg://user?id="); ok {
				uid, err := strconv.ParseInt(id, 10, 64)
				if err != nil {
					return "", nil, badRequest("can't parse entities: bad user id in %q", href)
				}
				b.push("a", func(off, n int) tg.MessageEntityClass {
					return &tg.InputMessageEntityMentionName{Offset: off, Length: n, UserID: &tg.InputUser{UserID: uid}}
				})
			} else {
				b.push("a", func(off, n int) tg.MessageEntityClass {
					return &tg.MessageEntityTextURL{Offset: off, Length: n, URL: href}
				})
			}
		case "pre":
			b.push("pre", func(off, n int) tg.MessageEntityClass { return &tg.MessageEntityPre{Offset: off, Length: n} })
		case "code":
			lang := strings.TrimPrefix(attr(attrs, "class"), "language-")
			if lang != "" && len(b.open) > 0 && b.open[len(b.open)-1].tag == "pre" {
				// <pre><code class="language-x"> is a pre block in language x.
				b.open[len(b.open)-1].make = func(off, n int) tg.MessageEntityClass {
					return &tg.MessageEntityPre{Offset: off, Length: n, Language: lang}
				}
				b.push("code", nil)
			} else {
				b.push("code", simple("code"))
			}
		case "blockquote":
			if strings.Contains(attrs, "expandable") {
				b.push("blockquote", func(off, n int) tg.MessageEntityClass {
					return &tg.MessageEntityBlockquote{Offset: off, Length: n, Collapsed: true}
				})
			} else {
				b.push("blockquote", simple("blockquote"))
			}
		default:
			b.push(kind, simple(kind))
		}
	}
	return b.result("HTML")
}

// attr is an HTML attribute's value ("" when absent).
func attr(attrs, name string) string {
	i := strings.Index(attrs, name+"=")
	if i < 0 {
		return ""
	}
	v := attrs[i+len(name)+1:]
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		q := v[0]
		if j := strings.IndexByte(v[1:], q); j >= 0 {
			return v[1 : j+1]
		}
		return v[1:]
	}
	if j := strings.IndexAny(v, " \t"); j >= 0 {
		return v[:j]
	}
	return v
}

// parseMarkdown reads MarkdownV2 (v2) or legacy Markdown.
func parseMarkdown(s string, v2 bool) (string, []tg.MessageEntityClass, error) {
	var b builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\' && v2 && i+1 < len(rs):
			i++
			b.write(string(rs[i]))
		case c == '`':
			if i+2 < len(rs) && rs[i+1] == '`' && rs[i+2] == '`' {
				end := indexRunes(rs, i+3, "```")
				if end < 0 {
					return "", nil, badRequest("can't parse entities: can't find end of pre entity at byte offset %d", i)
				}
				body := string(rs[i+3 : end])
				lang := ""
				if nl := strings.IndexByte(body, '\n'); nl >= 0 {
					lang, body = strings.TrimSpace(body[:nl]), body[nl+1:]
				}
				start := b.units
				b.write(unescapeMD(body, v2))
				b.done = append(b.done, &tg.MessageEntityPre{Offset: start, Length: b.units - start, Language: lang})
				i = end + 2
				continue
			}
			end := indexRunes(rs, i+1, "`")
			if end < 0 {
				return "", nil, badRequest("can't parse entities: can't find end of code entity at byte offset %d", i)
			}
			start := b.units
			b.write(unescapeMD(string(rs[i+1:end]), v2))
			b.done = append(b.done, &tg.MessageEntityCode{Offset: start, Length: b.units - start})
			i = end
		case c == '[':
			close := indexRunes(rs, i+1, "](")
			end := -1
			if close >= 0 {
				end = indexRunes(rs, close+2, ")")
			}
			if close < 0 || end < 0 {
				if v2 {
					return "", nil, badRequest("character '[' is reserved and must be escaped with the preceding '\\'")
				}
				b.write("[")
				continue
			}
			inner, _, err := parseMarkdown(string(rs[i+1:close]), v2)
			if err != nil {
				return "", nil, err
			}
			url := unescapeMD(string(rs[close+2:end]), v2)
			start := b.units
			b.write(inner)
			if id, ok := strings.CutPrefix(url, "tg://user?id="); ok {
				uid, _ := strconv.ParseInt(id, 10, 64)
				b.done = append(b.done, &tg.InputMessageEntityMentionName{Offset: start, Length: b.units - start, UserID: &tg.InputUser{UserID: uid}})
			} else {
				b.done = append(b.done, &tg.MessageEntityTextURL{Offset: start, Length: b.units - start, URL: url})
			}
			i = end
		case c == '*' || c == '_' || (v2 && (c == '~' || (c == '|' && i+1 < len(rs) && rs[i+1] == '|'))):
			tag := map[rune]string{'*': "b", '_': "i", '~': "s", '|': "spoiler"}[c]
			if v2 && c == '_' && i+1 < len(rs) && rs[i+1] == '_' {
				tag = "u"
				i++
			} else if c == '|' {
				i++
			}
			if !b.pop(tag) {
				b.push(tag, simple(tag))
			}
		case v2 && strings.ContainsRune("_*[]()~`>#+-=|{}.!", c):
			return "", nil, badRequest("can't parse entities: character '%c' is reserved and must be escaped with the preceding '\\'", c)
		default:
			b.write(string(c))
		}
	}
	return b.result("Markdown")
}

func indexRunes(rs []rune, from int, sub string) int {
	if from > len(rs) {
		return -1
	}
	i := strings.Index(string(rs[from:]), sub)
	if i < 0 {
		return -1
	}
	return from + len([]rune(string(rs[from:])[:i]))
}

func unescapeMD(s string, v2 bool) string {
	if !v2 {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}
