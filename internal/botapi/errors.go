package botapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gotd/td/tgerr"
)

// Error is a Bot API error: the error_code and description of an
// {"ok":false} answer, with retry_after for 429.
type Error struct {
	Code        int
	Description string
	RetryAfter  int
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Description) }

func badRequest(format string, args ...any) *Error {
	return &Error{Code: 400, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized = &Error{Code: 401, Description: "Unauthorized"}
	errNotFound     = &Error{Code: 404, Description: "Not Found"}
	errConflictHook = &Error{Code: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	errConflictPoll = &Error{Code: 409, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	errChatNotFound = badRequest("chat not found")
)

// descriptions are the Bot API's texts for RPC errors it words its own way;
// the others read "Bad Request: NAME", as Telegram's do.
var descriptions = map[string]string{
	"QUERY_ID_INVALID":           "query is too old and response timeout expired or query ID is invalid",
	"MESSAGE_TOO_LONG":           "message is too long",
	"MESSAGE_EMPTY":              "message text is empty",
	"PEER_ID_INVALID":            "chat not found",
	"CHANNEL_INVALID":            "chat not found",
	"CHANNEL_PRIVATE":            "chat not found",
	"CHAT_ID_INVALID":            "chat not found",
	"USER_ID_INVALID":            "user not found",
	"MESSAGE_ID_INVALID":         "message to edit not found",
	"MESSAGE_NOT_MODIFIED":       "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
	"MESSAGE_DELETE_FORBIDDEN":   "message can't be deleted",
	"ENTITY_BOUNDS_INVALID":      "can't parse entities: entity beyond the end of the text",
	"BUTTON_DATA_INVALID":        "BUTTON_DATA_INVALID",
	"USERNAME_INVALID":           "chat not found",
	"USERNAME_NOT_OCCUPIED":      "chat not found",
	"BOT_SCORE_NOT_MODIFIED":     "BOT_SCORE_NOT_MODIFIED",
	"RESULT_ID_DUPLICATE":        "RESULT_ID_DUPLICATE",
	"GAME_BOT_INVALID":           "wrong game short name specified",
	"BOT_GAME_SHORTNAME_INVALID": "wrong game short name specified",
}

// fromRPC turns an error of the domain into a Bot API error.
func fromRPC(err error) *Error {
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	if d, ok := tgerr.AsFloodWait(err); ok {
		secs := int(d.Seconds())
		if secs < 1 {
			secs = 1
		}
		return &Error{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", secs), RetryAfter: secs}
	}
	var rpc *tgerr.Error
	if errors.As(err, &rpc) {
		if d, ok := descriptions[rpc.Type]; ok {
			return &Error{Code: 400, Description: "Bad Request: " + d}
		}
		switch rpc.Code {
		case 403:
			return &Error{Code: 403, Description: "Forbidden: " + forbidden(rpc.Type)}
		case 401:
			return errUnauthorized
		case 420, 429:
			return &Error{Code: 429, Description: "Too Many Requests: retry later", RetryAfter: 1}
		case 400:
			return &Error{Code: 400, Description: "Bad Request: " + rpc.Type}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &Error{Code: 500, Description: "Internal Server Error: request cancelled"}
	}
	return &Error{Code: 500, Description: "Internal Server Error"}
}

func forbidden(name string) string {
	switch name {
	case "USER_IS_BLOCKED":
		return "bot was blocked by the user"
	case "CHAT_WRITE_FORBIDDEN":
		return "bot is not a member of the chat"
	case "CHAT_ADMIN_REQUIRED":
		return "bot is not an administrator of the chat"
	}
	return strings.ToLower(strings.ReplaceAll(name, "_", " "))
}
