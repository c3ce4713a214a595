package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gotd/td/tg"
)

// TestGrammYBot runs an unmodified grammY bot (npm grammy, its API root
// pointed at buttonflow) once on long polling and once on a webhook, while a
// gotd user over MTProto starts it with a deep link and presses its buttons.
func TestGrammYBot(t *testing.T) {
	srv := startServer(t)
	dir := npmDir(t, "grammy", "grammy")
	user := srv.signUpUser("15550400001", "Gus")
	ctx := context.Background()
	for _, mode := range []string{"polling", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			username := "grammy_" + mode + "_bot"
			botID, token := srv.createBot(username)
			env := map[string]string{
				"BF_BOT_TOKEN": token, "BF_API_ROOT": "http://" + srv.app.HTTPAddr.String(), "BF_MODE": mode,
			}
			if mode == "webhook" {
				_, port := splitPort(t, freePort(t))
				env["BF_WEBHOOK_PORT"], env["BF_WEBHOOK_SECRET"] = port, "grammy_secret"
			}
			bot := startNode(t, dir, "bot.js", env)
			bot.waitReady(t)

			res, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: username})
			if err != nil {
				t.Fatal(err)
			}
			peer := userPeer(t, res.Users, botID)
			if _, err := user.api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
				Bot: &tg.InputUser{UserID: botID, AccessHash: peer.AccessHash}, Peer: peer, RandomID: randomID(), StartParam: "deep42",
			}); err != nil {
				t.Fatal(err)
			}
			want := "Hello Gus, pick one (payload: deep42)"
			msg := user.next("grammY's keyboard", newMessage(want)).(*tg.UpdateNewMessage).Message.(*tg.Message)
			mk, ok := msg.ReplyMarkup.(*tg.ReplyInlineMarkup)
			if !ok || len(mk.Rows) != 2 || len(mk.Rows[0].Buttons) != 2 || len(mk.Rows[1].Buttons) != 2 {
				t.Fatalf("keyboard %#v\nbot said:\n%s%s", msg.ReplyMarkup, bot.stdout.String(), bot.stderr.String())
			}
			if u, ok := mk.Rows[1].Buttons[1].Type.(*tg.InlineButtonTypeURL); !ok || u.URL != "https://example.com/docs" {
				t.Fatalf("url button %#v", mk.Rows[1].Buttons[1])
			}

			r := waitPress(t, pressAsync(user, peer, msg.ID, "toast"))
			if r.err != nil || r.answer.Message != "Toast for Gus" || r.answer.Alert {
				t.Fatalf("toast: %+v %v\nbot said:\n%s", r.answer, r.err, bot.stderr.String())
			}
			r = waitPress(t, pressAsync(user, peer, msg.ID, "alert"))
			if r.err != nil || r.answer.Message != "Are you sure?" || !r.answer.Alert || r.answer.CacheTime != 30 {
				t.Fatalf("alert: %+v %v", r.answer, r.err)
			}
			r = waitPress(t, pressAsync(user, peer, msg.ID, "link"))
			wantURL := fmt.Sprintf("https://t.me/%s?start=from_button", username)
			if r.err != nil || r.answer.URL != wantURL || !r.answer.HasURL {
				t.Fatalf("link: %+v %v", r.answer, r.err)
			}
			user.next("grammY's edit", func(u tg.UpdateClass) bool {
				e, ok := u.(*tg.UpdateEditMessage)
				return ok && e.Message.GetID() == msg.ID && strings.HasPrefix(e.Message.(*tg.Message).Message, "You chose the link")
			})
			// Pressing a button the edit removed is refused before the bot hears of it.
			r = waitPress(t, pressAsync(user, peer, msg.ID, "alert"))
			wantRPCError(t, r.err, "DATA_INVALID")
		})
	}
}

func splitPort(t *testing.T, addr string) (host, port string) {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		t.Fatalf("address %q has no port", addr)
	}
	return addr[:i], addr[i+1:]
}
