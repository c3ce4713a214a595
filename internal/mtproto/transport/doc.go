// Package transport carries MTProto frames over TCP and WebSocket.
//
// One TCP port accepts every MTProto transport (abridged, intermediate, padded
// intermediate, full, and obfuscated2 without a secret wrapping any of the
// first three); the transport is told apart by the first bytes of each
// connection, read in that connection's own goroutine so that one slow client
// never stalls the others. WebSocket connections (/apiws, subprotocol binary)
// carry obfuscated2 framing as browser clients send it.
package transport
