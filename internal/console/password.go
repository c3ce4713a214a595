package console

import (
	"net/http"
	"strconv"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
)

// srpProof is an InputCheckPasswordSRP the page computed (A and M1 in
// base64); the password itself never leaves the page.
type srpProof struct {
	SRPID int64  `json:"srp_id,string"`
	A     []byte `json:"a"`
	M1    []byte `json:"m1"`
}

func (p *srpProof) input() tg.InputCheckPasswordSRPClass {
	if p == nil {
		return &tg.InputCheckPasswordEmpty{}
	}
	return &tg.InputCheckPasswordSRP{SRPID: p.SRPID, A: p.A, M1: p.M1}
}

// algo is passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow
// as the page computes with it.
type algo struct {
	Salt1 []byte `json:"salt1"`
	Salt2 []byte `json:"salt2"`
	G     int    `json:"g"`
	P     []byte `json:"p"`
}

type kdfAlgo = tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow

func algoOf(a tg.PasswordKdfAlgoClass) *algo {
	k, ok := a.(*kdfAlgo)
	if !ok {
		return nil
	}
	return &algo{Salt1: k.Salt1, Salt2: k.Salt2, G: k.G, P: k.P}
}

// getPassword is account.getPassword: the SRP parameters the page needs to
// prove or set a password. A login waiting for its password may call it.
func (s *Server) getPassword(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	p, err := s.svc.GetPassword(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"has_password": p.HasPassword, "new_algo": algoOf(p.NewAlgo)}
	if p.HasPassword {
		out["hint"] = p.Hint
		out["current_algo"] = algoOf(p.CurrentAlgo)
		out["srp_id"] = strconv.FormatInt(p.SRPID, 10) // beyond a JavaScript number's precision
		out["srp_b"] = p.SRPB
	}
	writeJSON(w, http.StatusOK, out)
}

type updatePasswordRequest struct {
	// Current proves the password set now; null when there is none.
	Current *srpProof `json:"current"`
	// NewAlgo is new_algo with the page's salt1 (the offered one extended by
	// random bytes); null removes the password.
	NewAlgo *algo `json:"new_algo"`
	// NewPasswordHash is the verifier g^x mod p the page computed (256 bytes).
	NewPasswordHash []byte `json:"new_password_hash"`
	Hint            string `json:"hint"`
}

// updatePassword is account.updatePasswordSettings: set, change or remove
// the account's 2FA password.
func (s *Server) updatePassword(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req updatePasswordRequest
	if !decode(w, r, &req) {
		return
	}
	set := tg.AccountPasswordInputSettings{}
	if req.NewAlgo != nil {
		set.SetNewAlgo(&kdfAlgo{Salt1: req.NewAlgo.Salt1, Salt2: req.NewAlgo.Salt2, G: req.NewAlgo.G, P: req.NewAlgo.P})
		set.SetNewPasswordHash(req.NewPasswordHash)
		set.SetHint(req.Hint)
	}
	if _, err := s.svc.UpdatePasswordSettings(r.Context(), sess, &tg.AccountUpdatePasswordSettingsRequest{
		Password: req.Current.input(), NewSettings: set,
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
