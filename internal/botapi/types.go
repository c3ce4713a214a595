package botapi

import "encoding/json"

// The Bot API's objects, as core.telegram.org/bots/api documents them. Only
// the fields buttonflow fills are here; absent ones are omitted, as Telegram
// omits empty optional fields.

// response is the envelope of every answer.
type response struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Description string              `json:"description,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

type responseParameters struct {
	RetryAfter      int   `json:"retry_after,omitempty"`
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
}

// User is a Bot API User.
type User struct {
	ID                      int64  `json:"id"`
	IsBot                   bool   `json:"is_bot"`
	FirstName               string `json:"first_name"`
	LastName                string `json:"last_name,omitempty"`
	Username                string `json:"username,omitempty"`
	LanguageCode            string `json:"language_code,omitempty"`
	CanJoinGroups           *bool  `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages *bool  `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   *bool  `json:"supports_inline_queries,omitempty"`
}

// Chat is a Bot API Chat.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// MessageEntity is a Bot API MessageEntity (offsets in UTF-16 code units).
type MessageEntity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	User     *User  `json:"user,omitempty"`
	Language string `json:"language,omitempty"`
}

// Message is a Bot API Message.
type Message struct {
	MessageID      int             `json:"message_id"`
	From           *User           `json:"from,omitempty"`
	SenderChat     *Chat           `json:"sender_chat,omitempty"`
	Date           int             `json:"date"`
	Chat           Chat            `json:"chat"`
	ReplyToMessage *Message        `json:"reply_to_message,omitempty"`
	ViaBot         *User           `json:"via_bot,omitempty"`
	EditDate       int             `json:"edit_date,omitempty"`
	Text           string          `json:"text,omitempty"`
	Entities       []MessageEntity `json:"entities,omitempty"`
	Contact        *Contact        `json:"contact,omitempty"`
	Location       *Location       `json:"location,omitempty"`
	Poll           *Poll           `json:"poll,omitempty"`
	Game           *Game           `json:"game,omitempty"`
	ReplyMarkup    *InlineKeyboard `json:"reply_markup,omitempty"`
	// Service messages.
	NewChatMembers   []User `json:"new_chat_members,omitempty"`
	LeftChatMember   *User  `json:"left_chat_member,omitempty"`
	GroupChatCreated bool   `json:"group_chat_created,omitempty"`
}

// Contact is a Bot API Contact.
type Contact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
	VCard       string `json:"vcard,omitempty"`
}

// Location is a Bot API Location.
type Location struct {
	Latitude           float64 `json:"latitude"`
	Longitude          float64 `json:"longitude"`
	HorizontalAccuracy float64 `json:"horizontal_accuracy,omitempty"`
}

// Poll is a Bot API Poll.
type Poll struct {
	ID                    string       `json:"id"`
	Question              string       `json:"question"`
	Options               []PollOption `json:"options"`
	TotalVoterCount       int          `json:"total_voter_count"`
	IsClosed              bool         `json:"is_closed"`
	IsAnonymous           bool         `json:"is_anonymous"`
	Type                  string       `json:"type"`
	AllowsMultipleAnswers bool         `json:"allows_multiple_answers"`
	CorrectOptionID       *int         `json:"correct_option_id,omitempty"`
}

// PollOption is a Bot API PollOption.
type PollOption struct {
	Text       string `json:"text"`
	VoterCount int    `json:"voter_count"`
}

// Game is a Bot API Game.
type Game struct {
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Photo       []struct{}      `json:"photo"`
	Text        string          `json:"text,omitempty"`
	Entities    []MessageEntity `json:"text_entities,omitempty"`
}

// GameHighScore is a Bot API GameHighScore.
type GameHighScore struct {
	Position int  `json:"position"`
	User     User `json:"user"`
	Score    int  `json:"score"`
}

// InlineKeyboard is a Bot API InlineKeyboardMarkup.
type InlineKeyboard struct {
	InlineKeyboard [][]InlineKeyboardButton `json:"inline_keyboard"`
}

// InlineKeyboardButton is a Bot API InlineKeyboardButton.
type InlineKeyboardButton struct {
	Text                         string                       `json:"text"`
	URL                          string                       `json:"url,omitempty"`
	CallbackData                 *string                      `json:"callback_data,omitempty"`
	SwitchInlineQuery            *string                      `json:"switch_inline_query,omitempty"`
	SwitchInlineQueryCurrentChat *string                      `json:"switch_inline_query_current_chat,omitempty"`
	SwitchInlineQueryChosenChat  *SwitchInlineQueryChosenChat `json:"switch_inline_query_chosen_chat,omitempty"`
	CallbackGame                 *struct{}                    `json:"callback_game,omitempty"`
	Pay                          bool                         `json:"pay,omitempty"`
	LoginURL                     *LoginURL                    `json:"login_url,omitempty"`
	WebApp                       json.RawMessage              `json:"web_app,omitempty"`
	CopyText                     json.RawMessage              `json:"copy_text,omitempty"`
}

// SwitchInlineQueryChosenChat is a Bot API SwitchInlineQueryChosenChat.
type SwitchInlineQueryChosenChat struct {
	Query             string `json:"query,omitempty"`
	AllowUserChats    bool   `json:"allow_user_chats,omitempty"`
	AllowBotChats     bool   `json:"allow_bot_chats,omitempty"`
	AllowGroupChats   bool   `json:"allow_group_chats,omitempty"`
	AllowChannelChats bool   `json:"allow_channel_chats,omitempty"`
}

// LoginURL is a Bot API LoginUrl.
type LoginURL struct {
	URL                string `json:"url"`
	ForwardText        string `json:"forward_text,omitempty"`
	BotUsername        string `json:"bot_username,omitempty"`
	RequestWriteAccess bool   `json:"request_write_access,omitempty"`
}

// replyMarkup is any of the four reply_markup objects a request may carry.
type replyMarkup struct {
	InlineKeyboard        [][]InlineKeyboardButton `json:"inline_keyboard"`
	Keyboard              [][]KeyboardButton       `json:"keyboard"`
	IsPersistent          bool                     `json:"is_persistent"`
	ResizeKeyboard        bool                     `json:"resize_keyboard"`
	OneTimeKeyboard       bool                     `json:"one_time_keyboard"`
	InputFieldPlaceholder string                   `json:"input_field_placeholder"`
	Selective             bool                     `json:"selective"`
	RemoveKeyboard        bool                     `json:"remove_keyboard"`
	ForceReply            bool                     `json:"force_reply"`
}

// KeyboardButton is a Bot API KeyboardButton; a bare string is a text button.
type KeyboardButton struct {
	Text            string                  `json:"text"`
	RequestContact  bool                    `json:"request_contact,omitempty"`
	RequestLocation bool                    `json:"request_location,omitempty"`
	RequestPoll     *KeyboardButtonPollType `json:"request_poll,omitempty"`
	RequestUsers    json.RawMessage         `json:"request_users,omitempty"`
	RequestChat     json.RawMessage         `json:"request_chat,omitempty"`
	WebApp          json.RawMessage         `json:"web_app,omitempty"`
}

// KeyboardButtonPollType is a Bot API KeyboardButtonPollType.
type KeyboardButtonPollType struct {
	Type string `json:"type,omitempty"`
}

// UnmarshalJSON accepts a button object or a bare string.
func (b *KeyboardButton) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &b.Text)
	}
	type plain KeyboardButton
	return json.Unmarshal(data, (*plain)(b))
}

// CallbackQuery is a Bot API CallbackQuery.
type CallbackQuery struct {
	ID              string   `json:"id"`
	From            User     `json:"from"`
	Message         *Message `json:"message,omitempty"`
	InlineMessageID string   `json:"inline_message_id,omitempty"`
	ChatInstance    string   `json:"chat_instance"`
	Data            *string  `json:"data,omitempty"`
	GameShortName   string   `json:"game_short_name,omitempty"`
}

// InlineQuery is a Bot API InlineQuery.
type InlineQuery struct {
	ID       string `json:"id"`
	From     User   `json:"from"`
	Query    string `json:"query"`
	Offset   string `json:"offset"`
	ChatType string `json:"chat_type,omitempty"`
}

// WebhookInfo is a Bot API WebhookInfo.
type WebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}
