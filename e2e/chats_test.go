package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// replyKeyboard is a reply keyboard of plain buttons.
func replyKeyboard(selective bool, texts ...string) *tg.ReplyKeyboardMarkup {
	row := tg.KeyboardButtonRow{}
	for _, t := range texts {
		row.Buttons = append(row.Buttons, tg.KeyboardButton{Text: t, Type: &tg.ButtonTypeDefault{}})
	}
	return &tg.ReplyKeyboardMarkup{Selective: selective, Resize: true, Rows: []tg.KeyboardButtonRow{row}}
}

// chatOf finds a chat of the given type in a container and returns it.
func chatIn[T any](t *testing.T, u tg.UpdatesClass) T {
	t.Helper()
	var chats []tg.ChatClass
	switch u := u.(type) {
	case *tg.Updates:
		chats = u.Chats
	case *tg.UpdatesCombined:
		chats = u.Chats
	}
	for _, c := range chats {
		if c, ok := c.(T); ok {
			return c
		}
	}
	var zero T
	t.Fatalf("no %T in %T", zero, u)
	return zero
}

// TestBasicGroup: a user makes a group with another user and a bot, the
// bot's selective reply keyboard reaches only the mentioned member, a member
// who leaves gets no more messages and can no longer write there.
func TestBasicGroup(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("group_bot")
	alice := srv.signUpUser("15550000011", "Alice")
	bob := srv.signUpUser("15550000012", "Bob")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()

	botPeer := resolvePeer(ctx, t, alice.api, "group_bot")
	bobHash := publicHash(ctx, t, bob, alice, "bob_tester")
	created, err := alice.api.MessagesCreateChat(ctx, &tg.MessagesCreateChatRequest{
		Title: "buttons", Users: []tg.InputUserClass{
			&tg.InputUser{UserID: bob.self.ID, AccessHash: bobHash},
			&tg.InputUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash},
		},
	})
	if err != nil {
		t.Fatalf("createChat: %v", err)
	}
	group := chatIn[*tg.Chat](t, created.Updates)
	if group.ParticipantsCount != 3 || !group.Creator {
		t.Fatalf("group %+v", group)
	}
	isCreation := func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		m, ok := n.Message.(*tg.MessageService)
		if !ok {
			return false
		}
		_, isCreate := m.Action.(*tg.MessageActionChatCreate)
		return isCreate
	}
	bob.next("the group's creation", isCreation)
	bot.next("the group's creation", isCreation)

	// The bot's selective keyboard goes to Alice (mentioned) and not to Bob.
	aliceUser := &tg.InputUser{UserID: alice.self.ID}
	hist, err := bot.api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: &tg.InputPeerChat{ChatID: group.ID}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range hist.(*tg.MessagesMessages).Users {
		if u, ok := u.(*tg.User); ok && u.ID == alice.self.ID {
			aliceUser.AccessHash = u.AccessHash
		}
	}
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerChat{ChatID: group.ID}, Message: "Alice, pick", RandomID: randomID(),
		Entities:    []tg.MessageEntityClass{&tg.InputMessageEntityMentionName{Offset: 0, Length: 5, UserID: aliceUser}},
		ReplyMarkup: replyKeyboard(true, "Red", "Blue"),
	}); err != nil {
		t.Fatalf("bot sends to the group: %v", err)
	}
	toAlice := alice.next("the keyboard", newMessage("Alice, pick")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	toBob := bob.next("the message", newMessage("Alice, pick")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	if _, ok := toAlice.ReplyMarkup.(*tg.ReplyKeyboardMarkup); !ok || !toAlice.Mentioned {
		t.Fatalf("Alice (mentioned) got markup %#v, mentioned %v", toAlice.ReplyMarkup, toAlice.Mentioned)
	}
	if toBob.ReplyMarkup != nil {
		t.Fatalf("Bob got a selective keyboard meant for Alice: %#v", toBob.ReplyMarkup)
	}
	if p, ok := toBob.PeerID.(*tg.PeerChat); !ok || p.ChatID != group.ID {
		t.Fatalf("peer %#v", toBob.PeerID)
	}

	// Request buttons work only in private chats.
	_, err = bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerChat{ChatID: group.ID}, Message: "phone?", RandomID: randomID(),
		ReplyMarkup: &tg.ReplyKeyboardMarkup{Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
			{Text: "Share phone", Type: &tg.ButtonTypeRequestPhone{}}}}}},
	})
	wantRPCError(t, err, "BUTTON_TYPE_INVALID")

	// Bob leaves; he hears nothing more and cannot write there.
	if _, err := bob.api.MessagesDeleteChatUser(ctx, &tg.MessagesDeleteChatUserRequest{ChatID: group.ID, UserID: &tg.InputUserSelf{}}); err != nil {
		t.Fatalf("leave: %v", err)
	}
	if _, err := bob.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerChat{ChatID: group.ID}, Message: "still here?", RandomID: randomID(),
	}); err == nil {
		t.Fatal("a member who left wrote to the group")
	} else {
		wantRPCError(t, err, "PEER_ID_INVALID")
	}
	chats, err := alice.api.MessagesGetChats(ctx, []int64{group.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c := chats.(*tg.MessagesChats).Chats[0].(*tg.Chat); c.ParticipantsCount != 2 {
		t.Fatalf("after Bob left: %d members", c.ParticipantsCount)
	}
}

// publicHash gives a user a username and returns the user's access hash as
// viewer sees it, through contacts.resolveUsername.
func publicHash(ctx context.Context, t *testing.T, user, viewer *liveClient, username string) int64 {
	t.Helper()
	if _, err := user.api.AccountUpdateUsername(ctx, username); err != nil {
		t.Fatalf("updateUsername: %v", err)
	}
	return resolvePeer(ctx, t, viewer.api, username).AccessHash
}

// TestChannels: a broadcast channel where only admins post, a private one
// that answers CHANNEL_PRIVATE to a user who left, a public one anyone joins,
// and a supergroup where a bot's inline keyboard is sent, edited and deleted
// with every member told and getChannelDifference catching up.
func TestChannels(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("channel_bot")
	alice := srv.signUpUser("15550000021", "Alice")
	bob := srv.signUpUser("15550000022", "Bob")
	carol := srv.signUpUser("15550000023", "Carol")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	bobHash := publicHash(ctx, t, bob, alice, "bob_reader")

	created, err := alice.api.ChannelsCreateChannel(ctx, &tg.ChannelsCreateChannelRequest{Broadcast: true, Title: "news"})
	if err != nil {
		t.Fatalf("createChannel: %v", err)
	}
	news := chatIn[*tg.Channel](t, created)
	if !news.Broadcast || !news.Creator || news.Left {
		t.Fatalf("channel %+v", news)
	}
	newsIn := &tg.InputChannel{ChannelID: news.ID, AccessHash: news.AccessHash}
	if _, err := alice.api.ChannelsInviteToChannel(ctx, &tg.ChannelsInviteToChannelRequest{
		Channel: newsIn, Users: []tg.InputUserClass{&tg.InputUser{UserID: bob.self.ID, AccessHash: bobHash}},
	}); err != nil {
		t.Fatalf("inviteToChannel: %v", err)
	}
	if _, err := alice.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerChannel{ChannelID: news.ID, AccessHash: news.AccessHash}, Message: "first post", RandomID: randomID(),
	}); err != nil {
		t.Fatalf("post: %v", err)
	}
	var bobsView *tg.Channel
	timeout := time.After(e2eWait)
	for bobsView == nil {
		select {
		case u := <-bob.updates:
			for _, one := range flatten(u) {
				if n, ok := one.(*tg.UpdateNewChannelMessage); ok && n.Message.(*tg.Message).Message == "first post" {
					bobsView = chatIn[*tg.Channel](t, u)
				}
			}
		case <-timeout:
			t.Fatal("Bob got no post")
		}
	}
	if bobsView.AccessHash == news.AccessHash {
		t.Fatal("two users got the same channel access hash")
	}
	bobPeer := &tg.InputPeerChannel{ChannelID: news.ID, AccessHash: bobsView.AccessHash}
	_, err = bob.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: bobPeer, Message: "me too", RandomID: randomID()})
	wantRPCError(t, err, "CHAT_ADMIN_REQUIRED")
	_, err = bob.api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{
		Channel: &tg.InputChannel{ChannelID: news.ID, AccessHash: bobsView.AccessHash + 1}, ID: []tg.InputMessageClass{&tg.InputMessageID{ID: 1}}})
	wantRPCError(t, err, "CHANNEL_INVALID")

	// Bob leaves the private channel: it is closed to him now.
	bobChannel := &tg.InputChannel{ChannelID: news.ID, AccessHash: bobsView.AccessHash}
	if _, err := bob.api.ChannelsLeaveChannel(ctx, bobChannel); err != nil {
		t.Fatalf("leaveChannel: %v", err)
	}
	_, err = bob.api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{Channel: bobChannel, ID: []tg.InputMessageClass{&tg.InputMessageID{ID: 1}}})
	wantRPCError(t, err, "CHANNEL_PRIVATE")

	// Made public, anyone joins by username.
	if _, err := alice.api.ChannelsUpdateUsername(ctx, &tg.ChannelsUpdateUsernameRequest{Channel: newsIn, Username: "news_channel"}); err != nil {
		t.Fatalf("updateUsername: %v", err)
	}
	r, err := carol.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "news_channel"})
	if err != nil {
		t.Fatal(err)
	}
	carolsView := r.Chats[0].(*tg.Channel)
	if !carolsView.Left {
		t.Fatal("a non-member's view of the channel is not marked left")
	}
	if _, err := carol.api.ChannelsJoinChannel(ctx, &tg.InputChannel{ChannelID: news.ID, AccessHash: carolsView.AccessHash}); err != nil {
		t.Fatalf("joinChannel: %v", err)
	}
	if _, err := alice.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerChannel{ChannelID: news.ID, AccessHash: news.AccessHash}, Message: "second post", RandomID: randomID(),
	}); err != nil {
		t.Fatal(err)
	}
	carol.next("the second post", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewChannelMessage)
		return ok && n.Message.(*tg.Message).Message == "second post"
	})

	// A supergroup with the bot in it.
	sg, err := alice.api.ChannelsCreateChannel(ctx, &tg.ChannelsCreateChannelRequest{Megagroup: true, Title: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	lab := chatIn[*tg.Channel](t, sg)
	labIn := &tg.InputChannel{ChannelID: lab.ID, AccessHash: lab.AccessHash}
	botPeer := resolvePeer(ctx, t, alice.api, "channel_bot")
	if _, err := alice.api.ChannelsInviteToChannel(ctx, &tg.ChannelsInviteToChannelRequest{
		Channel: labIn, Users: []tg.InputUserClass{&tg.InputUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash}},
	}); err != nil {
		t.Fatal(err)
	}
	var botsLab *tg.Channel
	timeout = time.After(e2eWait)
	for botsLab == nil {
		select {
		case u := <-bot.updates:
			for _, one := range flatten(u) {
				if _, ok := one.(*tg.UpdateNewChannelMessage); ok {
					botsLab = chatIn[*tg.Channel](t, u)
				}
			}
		case <-timeout:
			t.Fatal("the bot was not told it was added")
		}
	}
	botLabPeer := &tg.InputPeerChannel{ChannelID: lab.ID, AccessHash: botsLab.AccessHash}
	res, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: botLabPeer, Message: "vote", RandomID: randomID(), ReplyMarkup: inlineKeyboard("yes", "no"),
	})
	if err != nil {
		t.Fatalf("bot posts in the supergroup: %v", err)
	}
	var posted *tg.Message
	for _, u := range flatten(res) {
		if n, ok := u.(*tg.UpdateNewChannelMessage); ok {
			posted = n.Message.(*tg.Message)
		}
	}
	if posted == nil || !posted.Out {
		t.Fatalf("bot's own post %#v", posted)
	}
	seen := alice.next("the bot's keyboard", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewChannelMessage)
		return ok && n.Message.(*tg.Message).Message == "vote"
	}).(*tg.UpdateNewChannelMessage).Message.(*tg.Message)
	if _, ok := seen.ReplyMarkup.(*tg.ReplyInlineMarkup); !ok || seen.Out {
		t.Fatalf("Alice sees %#v (out %v)", seen.ReplyMarkup, seen.Out)
	}
	if _, err := bot.api.MessagesEditMessage(ctx, &tg.MessagesEditMessageRequest{
		Peer: botLabPeer, ID: posted.ID, Message: "vote closed",
	}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	ed := alice.next("the edit", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateEditChannelMessage); return ok }).(*tg.UpdateEditChannelMessage)
	if m := ed.Message.(*tg.Message); m.Message != "vote closed" || m.ReplyMarkup != nil {
		t.Fatalf("edited to %q with markup %#v (an edit without a keyboard removes it)", m.Message, m.ReplyMarkup)
	}
	if _, err := bot.api.ChannelsDeleteMessages(ctx, &tg.ChannelsDeleteMessagesRequest{
		Channel: &tg.InputChannel{ChannelID: lab.ID, AccessHash: botsLab.AccessHash}, ID: []int{posted.ID},
	}); err != nil {
		t.Fatalf("channels.deleteMessages: %v", err)
	}
	alice.next("the deletion", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateDeleteChannelMessages); return ok })

	diff, err := alice.api.UpdatesGetChannelDifference(ctx, &tg.UpdatesGetChannelDifferenceRequest{
		Channel: labIn, Filter: &tg.ChannelMessagesFilterEmpty{}, Pts: 0, Limit: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := diff.(*tg.UpdatesChannelDifference)
	if !ok || !d.Final {
		t.Fatalf("channel difference %T %+v", diff, diff)
	}
	// Created, bot added, vote posted; then an edit and a deletion.
	if len(d.NewMessages) != 3 || len(d.OtherUpdates) != 2 {
		t.Fatalf("channel difference: %d new messages, %d other updates", len(d.NewMessages), len(d.OtherUpdates))
	}
}
