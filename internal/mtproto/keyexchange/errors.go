package keyexchange

import "fmt"

// Transport error codes a failed exchange asks the caller to send.
const (
	// CodeAuthKeyNotFound (-404) is sent for a failed check: the client
	// forgets its state and starts a new exchange.
	CodeAuthKeyNotFound int32 = -404
	// CodeWrongDC (-444) is sent when the inner data names another DC.
	CodeWrongDC int32 = -444
)

// Error is returned for a failed check. Code is the transport error code to
// send (CodeAuthKeyNotFound or CodeWrongDC) or 0 when the connection should
// just be closed (malformed input). The Handshake has been reset: only a
// new req_pq or req_pq_multi continues on it.
type Error struct {
	// Code is the transport error code to send, or 0 to just close.
	Code int32
	// Reason says what was wrong, for logs.
	Reason string

	cause error
}

// Error implements error.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("key exchange: %s: %v", e.Reason, e.cause)
	}
	return "key exchange: " + e.Reason
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error {
	return e.cause
}

// failf builds an Error with code and a formatted reason.
func failf(code int32, format string, args ...any) *Error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// wrapErr builds an Error with code and reason, caused by err.
func wrapErr(code int32, reason string, err error) *Error {
	return &Error{Code: code, Reason: reason, cause: err}
}
