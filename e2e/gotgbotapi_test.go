package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/gotd/td/tg"
)

// goBot is a bot written with go-telegram-bot-api, as its users write them:
// /start answers with an inline keyboard; presses get a toast or an alert.
func goBot(t *testing.T, api *tgbotapi.BotAPI, u tgbotapi.Update) {
	switch {
	case u.Message != nil && u.Message.IsCommand() && u.Message.Command() == "start":
		msg := tgbotapi.NewMessage(u.Message.Chat.ID, "Go bot here, "+u.Message.From.FirstName)
		msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("Toast", "toast"),
			tgbotapi.NewInlineKeyboardButtonData("Alert", "alert"),
		))
		if _, err := api.Send(msg); err != nil {
			t.Errorf("send keyboard: %v", err)
		}
	case u.CallbackQuery != nil && u.CallbackQuery.Data == "toast":
		if _, err := api.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "Go toast")); err != nil {
			t.Errorf("answer toast: %v", err)
		}
	case u.CallbackQuery != nil && u.CallbackQuery.Data == "alert":
		if _, err := api.Request(tgbotapi.NewCallbackWithAlert(u.CallbackQuery.ID, "Go alert")); err != nil {
			t.Errorf("answer alert: %v", err)
		}
	}
}

// TestGoTelegramBotAPI runs a go-telegram-bot-api bot (from the module
// proxy, pointed at buttonflow's Bot API) on long polling and on a webhook
// while a gotd user presses its buttons over MTProto.
func TestGoTelegramBotAPI(t *testing.T) {
	srv := startServer(t)
	user := srv.signUpUser("15550400002", "Ida")
	ctx := context.Background()
	endpoint := "http://" + srv.app.HTTPAddr.String() + "/bot%s/%s"
	for _, mode := range []string{"polling", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			username := "gotg_" + mode + "_bot"
			botID, token := srv.createBot(username)
			api, err := tgbotapi.NewBotAPIWithAPIEndpoint(token, endpoint)
			if err != nil {
				t.Fatalf("new bot (getMe): %v", err)
			}
			if api.Self.ID != botID || api.Self.UserName != username {
				t.Fatalf("getMe: %+v", api.Self)
			}
			var wg sync.WaitGroup
			if mode == "polling" {
				cfg := tgbotapi.NewUpdate(0)
				cfg.Timeout = 2
				updates := api.GetUpdatesChan(cfg)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for u := range updates {
						goBot(t, api, u)
					}
				}()
				t.Cleanup(func() { api.StopReceivingUpdates(); wg.Wait() })
			} else {
				hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					u, err := api.HandleUpdate(r)
					if err != nil {
						t.Errorf("webhook update: %v", err)
						http.Error(w, err.Error(), http.StatusBadRequest)
						return
					}
					goBot(t, api, *u)
				}))
				t.Cleanup(hook.Close)
				wh, err := tgbotapi.NewWebhook(hook.URL + "/hook")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := api.Request(wh); err != nil {
					t.Fatalf("setWebhook: %v", err)
				}
				info, err := api.GetWebhookInfo()
				if err != nil || info.URL != hook.URL+"/hook" {
					t.Fatalf("getWebhookInfo: %+v %v", info, err)
				}
			}

			res, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: username})
			if err != nil {
				t.Fatal(err)
			}
			peer := userPeer(t, res.Users, botID)
			if _, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: peer, Message: "/start", RandomID: randomID()}); err != nil {
				t.Fatal(err)
			}
			msg := user.next("the Go bot's keyboard", newMessage("Go bot here, Ida")).(*tg.UpdateNewMessage).Message.(*tg.Message)
			if mk, ok := msg.ReplyMarkup.(*tg.ReplyInlineMarkup); !ok || len(mk.Rows[0].Buttons) != 2 {
				t.Fatalf("keyboard %#v", msg.ReplyMarkup)
			}
			for _, tc := range []struct {
				data, text string
				alert      bool
			}{{"toast", "Go toast", false}, {"alert", "Go alert", true}} {
				r := waitPress(t, pressAsync(user, peer, msg.ID, tc.data))
				if r.err != nil || r.answer.Message != tc.text || r.answer.Alert != tc.alert {
					t.Fatalf("%s: %s", tc.data, fmt.Sprint(r.answer, r.err))
				}
			}
		})
	}
}
