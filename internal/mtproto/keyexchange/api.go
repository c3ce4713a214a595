package keyexchange

import (
	"time"

	"github.com/gotd/td/crypto"
)

// Result is a completed key exchange.
type Result struct {
	// Key is the new auth key with its id.
	Key crypto.AuthKey
	// ServerSalt is the first server salt: substr(new_nonce, 0, 8) XOR
	// substr(server_nonce, 0, 8).
	ServerSalt int64
	// Temp is true for a temporary key (p_q_inner_data_temp_dc).
	Temp bool
	// ExpiresAt is when a temporary key stops being valid (completion time
	// plus expires_in, at most MaxTempKeyLifetime); zero for permanent keys.
	ExpiresAt time.Time
	// DC is the data center id the client asked for (from the inner data):
	// our DC, its test variant (+10000) or a negative media DC id; 0 for
	// p_q_inner_data, which names none.
	DC int
}
