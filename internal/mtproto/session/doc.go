// Package session holds the rules of an MTProto session, as pure state with an
// injected clock so every rule is testable without a network or a sleep:
//
//   - Salts: server salts derived from a server secret, rotating every period,
//     the previous one still accepted, listed ahead by get_future_salts.
//   - Inbox: the client's msg_ids seen in a session: time window, parity,
//     duplicates, too-old ids that can no longer be verified, and the state of
//     each request for msgs_state_req.
//   - Outbox: the server's own msg_ids (monotonic, 1 mod 4 for responses,
//     3 mod 4 otherwise) and seq_nos, and the content messages the client has
//     not acknowledged yet, for msg_resend_req and reconnects.
//
// The bad_msg_notification codes are Telegram's (see BadMsg* constants).
package session

// bad_msg_notification error codes, from the MTProto service messages spec.
const (
	BadMsgIDTooLow         = 16 // msg_id too low: older than the accepted time window
	BadMsgIDTooHigh        = 17 // msg_id too high: too far in the future
	BadMsgIDParity         = 18 // a client msg_id must be divisible by 4
	BadMsgContainerDup     = 19 // container msg_id equals an already received msg_id
	BadMsgTooOld           = 20 // too old to tell whether it was received
	BadMsgSeqNoTooLow      = 32
	BadMsgSeqNoTooHigh     = 33
	BadMsgSeqNoEven        = 34 // an even seq_no expected (not content-related), odd received
	BadMsgSeqNoOdd         = 35 // an odd seq_no expected (content-related), even received
	BadMsgServerSalt       = 48 // wrong server salt: answered with bad_server_salt
	BadMsgInvalidContainer = 64
)
