// Package keyexchange is the server side of MTProto 2.0 auth key creation
// (req_pq_multi, req_DH_params, set_client_DH_params), for permanent keys
// (p_q_inner_data, p_q_inner_data_dc) and temporary ones (p_q_inner_data_temp_dc).
//
// It is a state machine fed one unencrypted message body at a time, so a
// connection can run it without a dedicated goroutine, and it checks every
// nonce, server_nonce, p and q, new_nonce_hash and the ranges of g_a and g_b
// that the MTProto spec asks of a server.
package keyexchange
