// Package layer converts TL-serialized API objects between the schema layer a
// client speaks and the newest layer, the only one the domain knows (gotd/td's
// tg package, layer Latest).
//
// Conversion is driven by the TL schemas of the supported layers, embedded as
// data: constructors are matched by name, fields by name, flags are recomputed,
// fields missing in the target layer get their zero value, and constructors
// unknown to the target layer are rewritten by an explicit rule or rejected
// with ErrNoEquivalent. Adding a layer is adding its schema file and a test.
//
// Rules (plan.go) also cover constructors whose name survived while their
// meaning moved into a field: layer 198's keyboardButtonCallback is Latest's
// keyboardInlineButton with type inlineButtonTypeCallback, and layer 198's
// keyboardButton is only the plain kind of Latest's keyboardButton.
//
// Values whose encoding is the same in both layers (most of them) are copied,
// not re-encoded; an input that needs no change at all is returned as is.
package layer
