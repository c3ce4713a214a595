// Package api registers the methods of accounts, users, messages and updates
// on an rpc.Mux, each a thin adapter from the decoded tg request to the
// domain (internal/chat) and back.
package api

import (
	"context"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/rpc"
)

// session turns the RPC layer's caller into the domain's.
func session(s rpc.Session) chat.Session {
	return chat.Session{
		AuthKeyID: s.AuthKeyID, SessionID: s.SessionID, PermAuthKeyID: s.PermAuthKeyID,
		UserID: s.UserID, Bot: s.Bot,
	}
}

// handle adapts a domain call that takes the caller and the typed request.
func handle[Req any, PReq interface {
	*Req
	bin.Decoder
}, Res bin.Encoder](fn func(ctx context.Context, s chat.Session, req PReq) (Res, error)) rpc.Handler {
	return rpc.Typed(func(ctx context.Context, s rpc.Session, req PReq) (Res, error) {
		return fn(ctx, session(s), req)
	})
}

// Register adds every method the domain serves to mux.
func Register(mux *rpc.Mux, svc *chat.Service) {
	// Login: callable before one.
	mux.Handle(tg.AuthSendCodeRequestTypeID, rpc.Typed(func(ctx context.Context, _ rpc.Session, r *tg.AuthSendCodeRequest) (*tg.AuthSentCode, error) {
		return svc.SendCode(ctx, r)
	}), rpc.Public())
	mux.Handle(tg.AuthSignInRequestTypeID, handle(svc.SignIn), rpc.Public())
	mux.Handle(tg.AuthSignUpRequestTypeID, handle(svc.SignUp), rpc.Public())
	mux.Handle(tg.AuthImportBotAuthorizationRequestTypeID, handle(svc.ImportBotAuthorization), rpc.Public())
	mux.Handle(tg.AuthCheckPasswordRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.AuthCheckPasswordRequest) (tg.AuthAuthorizationClass, error) {
		return svc.AuthCheckPassword(ctx, s, r.Password)
	}), rpc.Public())
	mux.Handle(tg.AccountGetPasswordRequestTypeID, handle(func(ctx context.Context, s chat.Session, _ *tg.AccountGetPasswordRequest) (*tg.AccountPassword, error) {
		return svc.GetPassword(ctx, s)
	}), rpc.Public())
	mux.Handle(tg.AuthLogOutRequestTypeID, handle(func(ctx context.Context, s chat.Session, _ *tg.AuthLogOutRequest) (*tg.AuthLoggedOut, error) {
		return svc.LogOut(ctx, s)
	}))
	mux.Handle(tg.AccountUpdatePasswordSettingsRequestTypeID, rpc.UsersOnly(handle(svc.UpdatePasswordSettings)))

	// Profile.
	mux.Handle(tg.AccountUpdateProfileRequestTypeID, handle(svc.UpdateProfile))
	mux.Handle(tg.AccountUpdateUsernameRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.AccountUpdateUsernameRequest) (tg.UserClass, error) {
		return svc.UpdateAccountUsername(ctx, s, r.Username)
	}))

	// Users.
	mux.Handle(tg.UsersGetUsersRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.UsersGetUsersRequest) (*tg.UserClassVector, error) {
		users, err := svc.GetUsers(ctx, s, r.ID)
		if err != nil {
			return nil, err
		}
		return &tg.UserClassVector{Elems: users}, nil
	}))
	mux.Handle(tg.UsersGetFullUserRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.UsersGetFullUserRequest) (*tg.UsersUserFull, error) {
		return svc.GetFullUser(ctx, s, r.ID)
	}))
	mux.Handle(tg.ContactsResolveUsernameRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.ContactsResolveUsernameRequest) (*tg.ContactsResolvedPeer, error) {
		return svc.ResolveUsername(ctx, s, r.Username)
	}))

	// Messages.
	mux.Handle(tg.MessagesSendMessageRequestTypeID, handle(svc.SendMessage))
	mux.Handle(tg.MessagesSendMediaRequestTypeID, handle(svc.SendMedia))
	mux.Handle(tg.MessagesEditMessageRequestTypeID, handle(svc.EditMessage))
	mux.Handle(tg.MessagesDeleteMessagesRequestTypeID, handle(svc.DeleteMessages))
	mux.Handle(tg.MessagesGetMessagesRequestTypeID, handle(svc.GetMessages))
	mux.Handle(tg.MessagesGetHistoryRequestTypeID, handle(svc.GetHistory))
	mux.Handle(tg.MessagesStartBotRequestTypeID, rpc.UsersOnly(handle(svc.StartBot)))

	// Callback queries: the user's request waits for the bot, asynchronously.
	mux.HandleAsync(tg.MessagesGetBotCallbackAnswerRequestTypeID, func(ctx context.Context, r *rpc.Request, reply func(bin.Encoder, error)) {
		req := &tg.MessagesGetBotCallbackAnswerRequest{}
		switch {
		case req.Decode(r.Body) != nil:
			reply(nil, rpc.ErrInputRequestInvalid)
		case r.Session.Bot:
			reply(nil, rpc.ErrBotMethodInvalid)
		default:
			svc.GetBotCallbackAnswer(ctx, session(r.Session), req, func(a *tg.MessagesBotCallbackAnswer, err error) {
				if err != nil {
					reply(nil, err)
					return
				}
				reply(a, nil)
			})
		}
	})
	// A bot's answer goes to the user at once; its own boolTrue may wait a
	// moment to ride with the bot's next update.
	mux.Handle(tg.MessagesSetBotCallbackAnswerRequestTypeID, rpc.BotsOnly(handle(svc.SetBotCallbackAnswer)), rpc.Lazy())

	// Inline mode.
	mux.Handle(tg.MessagesGetInlineBotResultsRequestTypeID, rpc.UsersOnly(handle(svc.GetInlineBotResults)), rpc.Slow())
	mux.Handle(tg.MessagesSetInlineBotResultsRequestTypeID, rpc.BotsOnly(handle(svc.SetInlineBotResults)))
	mux.Handle(tg.MessagesSendInlineBotResultRequestTypeID, rpc.UsersOnly(handle(svc.SendInlineBotResult)))
	mux.Handle(tg.MessagesEditInlineBotMessageRequestTypeID, rpc.BotsOnly(handle(svc.EditInlineBotMessage)))

	registerGameScores(mux, svc)
	registerURLAuth(mux, svc)

	// Basic groups.
	mux.Handle(tg.MessagesCreateChatRequestTypeID, rpc.UsersOnly(handle(svc.CreateChat)))
	mux.Handle(tg.MessagesAddChatUserRequestTypeID, handle(svc.AddChatUser))
	mux.Handle(tg.MessagesDeleteChatUserRequestTypeID, handle(svc.DeleteChatUser))
	mux.Handle(tg.MessagesGetChatsRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.MessagesGetChatsRequest) (*tg.MessagesChats, error) {
		return svc.GetChats(ctx, s, r.ID)
	}))

	// Channels and supergroups.
	mux.Handle(tg.ChannelsCreateChannelRequestTypeID, rpc.UsersOnly(handle(svc.CreateChannel)))
	mux.Handle(tg.ChannelsUpdateUsernameRequestTypeID, handle(svc.UpdateChannelUsername))
	mux.Handle(tg.ChannelsJoinChannelRequestTypeID, rpc.UsersOnly(handle(func(ctx context.Context, s chat.Session, r *tg.ChannelsJoinChannelRequest) (*tg.MessagesChatInviteJoinResultOk, error) {
		u, err := svc.JoinChannel(ctx, s, r.Channel)
		if err != nil {
			return nil, err
		}
		return &tg.MessagesChatInviteJoinResultOk{Updates: u}, nil
	})))
	mux.Handle(tg.ChannelsInviteToChannelRequestTypeID, handle(svc.InviteToChannel))
	mux.Handle(tg.ChannelsLeaveChannelRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.ChannelsLeaveChannelRequest) (tg.UpdatesClass, error) {
		return svc.LeaveChannel(ctx, s, r.Channel)
	}))
	mux.Handle(tg.ChannelsGetChannelsRequestTypeID, handle(func(ctx context.Context, s chat.Session, r *tg.ChannelsGetChannelsRequest) (*tg.MessagesChats, error) {
		return svc.GetChannels(ctx, s, r.ID)
	}))
	mux.Handle(tg.ChannelsGetMessagesRequestTypeID, handle(svc.GetChannelMessages))
	mux.Handle(tg.ChannelsDeleteMessagesRequestTypeID, handle(svc.DeleteChannelMessages))

	// Updates.
	mux.Handle(tg.UpdatesGetStateRequestTypeID, handle(func(ctx context.Context, s chat.Session, _ *tg.UpdatesGetStateRequest) (*tg.UpdatesState, error) {
		return svc.GetState(ctx, s)
	}))
	mux.Handle(tg.UpdatesGetDifferenceRequestTypeID, handle(svc.GetDifference))
	mux.Handle(tg.UpdatesGetChannelDifferenceRequestTypeID, handle(svc.GetChannelDifference))
}
