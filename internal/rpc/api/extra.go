package api

import (
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/rpc"
)

// registerGameScores adds messages.setGameScore, setInlineGameScore,
// getGameHighScores and getInlineGameHighScores: bots only (a user gets
// USER_BOT_REQUIRED).
func registerGameScores(mux *rpc.Mux, svc *chat.Service) {
	mux.Handle(tg.MessagesSetGameScoreRequestTypeID, rpc.BotsOnly(handle(svc.SetGameScore)))
	mux.Handle(tg.MessagesGetGameHighScoresRequestTypeID, rpc.BotsOnly(handle(svc.GetGameHighScores)))
	mux.Handle(tg.MessagesSetInlineGameScoreRequestTypeID, rpc.BotsOnly(handle(svc.SetInlineGameScore)))
	mux.Handle(tg.MessagesGetInlineGameHighScoresRequestTypeID, rpc.BotsOnly(handle(svc.GetInlineGameHighScores)))
}

// registerURLAuth adds messages.requestUrlAuth and messages.acceptUrlAuth
// (users only: a bot gets BOT_METHOD_INVALID), and payments.getPaymentForm,
// what the client of a user pressing a buy button calls.
func registerURLAuth(mux *rpc.Mux, svc *chat.Service) {
	mux.Handle(tg.MessagesRequestURLAuthRequestTypeID, rpc.UsersOnly(handle(svc.RequestURLAuth)))
	mux.Handle(tg.MessagesAcceptURLAuthRequestTypeID, rpc.UsersOnly(handle(svc.AcceptURLAuth)))
	mux.Handle(tg.PaymentsGetPaymentFormRequestTypeID, handle(svc.GetPaymentForm))
}
