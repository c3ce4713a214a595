package chat

import "github.com/gotd/td/tgerr"

// Errors clients see, with Telegram's codes and names.
var (
	ErrPhoneNumberInvalid    = tgerr.New(400, "PHONE_NUMBER_INVALID")
	ErrPhoneCodeEmpty        = tgerr.New(400, "PHONE_CODE_EMPTY")
	ErrPhoneCodeInvalid      = tgerr.New(400, "PHONE_CODE_INVALID")
	ErrPhoneCodeExpired      = tgerr.New(400, "PHONE_CODE_EXPIRED")
	ErrPhoneCodeHashEmpty    = tgerr.New(400, "PHONE_CODE_HASH_EMPTY")
	ErrPhoneNumberOccupied   = tgerr.New(400, "PHONE_NUMBER_OCCUPIED")
	ErrFirstNameInvalid      = tgerr.New(400, "FIRSTNAME_INVALID")
	ErrLastNameInvalid       = tgerr.New(400, "LASTNAME_INVALID")
	ErrSessionPasswordNeeded = tgerr.New(401, "SESSION_PASSWORD_NEEDED")
	ErrAccessTokenInvalid    = tgerr.New(400, "ACCESS_TOKEN_INVALID")
	ErrAPIIDInvalid          = tgerr.New(400, "API_ID_INVALID")
	ErrAuthKeyUnregistered   = tgerr.New(401, "AUTH_KEY_UNREGISTERED")
	ErrPasswordMissing       = tgerr.New(400, "PASSWORD_MISSING")
	ErrPasswordHashInvalid   = tgerr.New(400, "PASSWORD_HASH_INVALID")
	ErrNewSettingsInvalid    = tgerr.New(400, "NEW_SETTINGS_INVALID")

	ErrPeerIDInvalid          = tgerr.New(400, "PEER_ID_INVALID")
	ErrUserIDInvalid          = tgerr.New(400, "USER_ID_INVALID")
	ErrChannelInvalid         = tgerr.New(400, "CHANNEL_INVALID")
	ErrUsernameInvalid        = tgerr.New(400, "USERNAME_INVALID")
	ErrUsernameNotOccupied    = tgerr.New(400, "USERNAME_NOT_OCCUPIED")
	ErrBotInvalid             = tgerr.New(400, "BOT_INVALID")
	ErrStartParamInvalid      = tgerr.New(400, "START_PARAM_INVALID")
	ErrMessageEmpty           = tgerr.New(400, "MESSAGE_EMPTY")
	ErrMessageTooLong         = tgerr.New(400, "MESSAGE_TOO_LONG")
	ErrMessageIDInvalid       = tgerr.New(400, "MESSAGE_ID_INVALID")
	ErrMessageNotModified     = tgerr.New(400, "MESSAGE_NOT_MODIFIED")
	ErrMessageAuthorRequired  = tgerr.New(403, "MESSAGE_AUTHOR_REQUIRED")
	ErrMessageEditTimeExpired = tgerr.New(400, "MESSAGE_EDIT_TIME_EXPIRED")
	ErrReplyMessageIDInvalid  = tgerr.New(400, "REPLY_MESSAGE_ID_INVALID")
	ErrRandomIDEmpty          = tgerr.New(400, "RANDOM_ID_EMPTY")
	ErrMediaInvalid           = tgerr.New(400, "MEDIA_INVALID")
)

func tgerr400(name string) *tgerr.Error { return tgerr.New(400, name) }
func tgerr403(name string) *tgerr.Error { return tgerr.New(403, name) }
