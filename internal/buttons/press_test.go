package buttons

import (
	"testing"

	"github.com/gotd/td/tg"
)

// stored validates m for a bot's private chat with a user.
func stored(t *testing.T, m tg.ReplyMarkupClass) tg.ReplyMarkupClass {
	t.Helper()
	out, err := Validate(m, toUser)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFindCallback(t *testing.T) {
	m := stored(t, inline(
		row(ib("one", cb("1")), ib("url", urlb("https://x.org"))),
		row(ib("pw", &tg.InlineButtonTypeCallback{RequiresPassword: true, Data: []byte("pw\x00")}), ib("dup", cb("1")))))
	for _, tc := range []struct {
		name     string
		m        tg.ReplyMarkupClass
		data     string
		want     bool
		password bool
	}{
		{"exact data", m, "1", true, false},
		{"data with a zero byte needing a password", m, "pw\x00", true, true},
		{"a prefix does not match", m, "pw", false, false},
		{"a longer data does not match", m, "11", false, false},
		{"empty data matches nothing", m, "", false, false},
		{"a reply keyboard has no callbacks", reply(rrow(text("1"))), "1", false, false},
		{"no markup", nil, "1", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			btn, ok := FindCallback(tc.m, []byte(tc.data))
			if ok != tc.want {
				t.Fatalf("found %v, want %v", ok, tc.want)
			}
			if ok && (string(btn.Data) != tc.data || btn.RequiresPassword != tc.password) {
				t.Fatalf("found %v", btn)
			}
		})
	}
	// The first of two buttons with the same data is found.
	first, _ := FindCallback(m, []byte("1"))
	if first != m.(*tg.ReplyInlineMarkup).Rows[0].Buttons[0].Type {
		t.Fatal("not the first button with the data")
	}
}

func TestFindGame(t *testing.T) {
	game := with(toUser, func(c *Context) { c.IsGame = true })
	withGame, err := Validate(inline(row(ib("play", &tg.InlineButtonTypeGame{}))), game)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    tg.ReplyMarkupClass
		want bool
	}{
		{"game message", withGame, true},
		{"callbacks only", stored(t, inline(row(ib("a", cb("1"))))), false},
		{"reply keyboard", reply(rrow(text("play"))), false},
		{"no markup", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FindGame(tc.m); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFindURLAuth(t *testing.T) {
	orig := inline(
		row(ib("a", &tg.InputInlineButtonTypeURLAuth{URL: "https://one.org", RequestWriteAccess: true})),
		row(ib("b", cb("x")), ib("c", &tg.InputInlineButtonTypeURLAuth{URL: "https://two.org", Bot: user(gameBot)})))
	m := stored(t, orig)
	for _, id := range []int{1, 2} {
		btn, ok := FindURLAuth(m, id)
		in, inOK := FindInputURLAuth(orig, id)
		if !ok || !inOK || btn.ButtonID != id || btn.URL != in.URL {
			t.Fatalf("button %d: stored %v (%v), input %v (%v)", id, btn, ok, in, inOK)
		}
	}
	if in, _ := FindInputURLAuth(orig, 1); !in.RequestWriteAccess {
		t.Fatal("input button 1 lost request_write_access")
	}
	if in, _ := FindInputURLAuth(orig, 2); in.Bot == nil {
		t.Fatal("input button 2 lost its bot")
	}
	for _, id := range []int{0, 3, -1} {
		if _, ok := FindURLAuth(m, id); ok {
			t.Fatalf("found stored button %d", id)
		}
		if _, ok := FindInputURLAuth(orig, id); ok {
			t.Fatalf("found input button %d", id)
		}
	}
}

func TestFindReplyButton(t *testing.T) {
	m := stored(t, reply(rrow(text("Yes"), rb("Phone", &tg.ButtonTypeRequestPhone{})), rrow(text("Yes"))))
	for _, tc := range []struct {
		name string
		m    tg.ReplyMarkupClass
		text string
		want uint32
	}{
		{"text button", m, "Yes", tg.ButtonTypeDefaultTypeID},
		{"request button", m, "Phone", tg.ButtonTypeRequestPhoneTypeID},
		{"other case", m, "yes", 0},
		{"no such text", m, "No", 0},
		{"inline keyboard", inline(row(ib("Yes", cb("1")))), "Yes", 0},
		{"no markup", nil, "Yes", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bt, ok := FindReplyButton(tc.m, tc.text)
			if ok != (tc.want != 0) || ok && bt.TypeID() != tc.want {
				t.Fatalf("got %v, %v", bt, ok)
			}
		})
	}
}

func TestFindRequestPeer(t *testing.T) {
	orig := reply(rrow(text("hi"), rb("users", inputPeer(5, 2))),
		rrow(rb("chan", &tg.ButtonTypeRequestPeer{ButtonID: -9, PeerType: &tg.RequestPeerTypeBroadcast{}, MaxQuantity: 1})))
	m := stored(t, orig)
	if b, ok := FindRequestPeer(m, 5); !ok || b.MaxQuantity != 2 || b.PeerType != peerType {
		t.Fatalf("stored 5: %v, %v", b, ok)
	}
	if b, ok := FindRequestPeer(m, -9); !ok || b.MaxQuantity != 1 {
		t.Fatalf("stored -9: %v, %v", b, ok)
	}
	if in, ok := FindInputRequestPeer(orig, 5); !ok || !in.NameRequested || !in.PhotoRequested || in.UsernameRequested {
		t.Fatalf("input 5: %v, %v", in, ok)
	}
	if in, ok := FindInputRequestPeer(orig, -9); !ok || in.NameRequested || in.MaxQuantity != 1 {
		t.Fatalf("input -9: %v, %v", in, ok)
	}
	if _, ok := FindRequestPeer(m, 6); ok {
		t.Fatal("found stored 6")
	}
	if _, ok := FindInputRequestPeer(orig, 6); ok {
		t.Fatal("found input 6")
	}
}

func TestButtonsOfOtherMarkups(t *testing.T) {
	for _, m := range []tg.ReplyMarkupClass{nil, &tg.ReplyKeyboardHide{}, (*tg.ReplyInlineMarkup)(nil),
		(*tg.ReplyKeyboardMarkup)(nil), reply(rrow(text("a")))} {
		for range InlineButtons(m) {
			t.Fatalf("inline buttons in %v", m)
		}
	}
	for range ReplyButtons(inline(row(ib("a", cb("1"))))) {
		t.Fatal("reply buttons in an inline keyboard")
	}
	n := 0
	for range ReplyButtons(replyGrid(3, 4)) {
		if n++; n == 5 {
			break
		}
	}
	if n != 5 {
		t.Fatalf("stopped after %d buttons", n)
	}
}

func TestVisibleTo(t *testing.T) {
	const (
		alice, bob, carol = 1, 2, 3
	)
	selective := &tg.ReplyKeyboardMarkup{Selective: true, Rows: reply(rrow(text("a"))).Rows}
	for _, tc := range []struct {
		name      string
		m         tg.ReplyMarkupClass
		recipient int64
		mentioned []int64
		replyTo   int64
		want      bool
	}{
		{"non-selective keyboard to anyone", reply(rrow(text("a"))), carol, nil, 0, true},
		{"inline keyboard to anyone", inline(row(ib("a", cb("1")))), carol, nil, 0, true},
		{"non-selective hide to anyone", &tg.ReplyKeyboardHide{}, carol, nil, 0, true},
		{"selective keyboard to a mentioned user", selective, alice, []int64{bob, alice}, 0, true},
		{"selective keyboard to the replied-to sender", selective, bob, []int64{alice}, bob, true},
		{"selective keyboard to someone else", selective, carol, []int64{alice}, bob, false},
		{"selective keyboard without mentions or reply", selective, carol, nil, 0, false},
		{"selective hide to the replied-to sender", &tg.ReplyKeyboardHide{Selective: true}, bob, nil, bob, true},
		{"selective hide to someone else", &tg.ReplyKeyboardHide{Selective: true}, carol, nil, bob, false},
		{"selective force reply to a mentioned user", &tg.ReplyKeyboardForceReply{Selective: true}, carol,
			[]int64{carol}, 0, true},
		{"selective force reply to someone else", &tg.ReplyKeyboardForceReply{Selective: true}, alice,
			[]int64{carol}, 0, false},
		{"no recipient matches no reply", selective, 0, nil, 0, false},
		{"no markup", nil, alice, []int64{alice}, alice, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VisibleTo(tc.m, tc.recipient, tc.mentioned, tc.replyTo); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSelective(t *testing.T) {
	for _, tc := range []struct {
		m    tg.ReplyMarkupClass
		want bool
	}{
		{&tg.ReplyKeyboardMarkup{Selective: true}, true},
		{&tg.ReplyKeyboardHide{Selective: true}, true},
		{&tg.ReplyKeyboardForceReply{Selective: true}, true},
		{&tg.ReplyKeyboardMarkup{}, false},
		{&tg.ReplyInlineMarkup{}, false},
		{(*tg.ReplyKeyboardHide)(nil), false},
		{nil, false},
	} {
		if got := Selective(tc.m); got != tc.want {
			t.Errorf("Selective(%v) = %v", tc.m, got)
		}
	}
}
