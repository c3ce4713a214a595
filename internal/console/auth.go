package console

import (
	"net/http"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
)

// consoleAPIID and consoleAPIHash are what the console says of itself in
// auth.sendCode, as any app does.
const (
	consoleAPIID   = 1
	consoleAPIHash = "buttonflow-console"
)

// user is an account as the page shows it.
type user struct {
	ID        int64  `json:"id,string"`
	Peer      string `json:"peer"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Bot       bool   `json:"bot,omitempty"`
}

func userOf(u *tg.User) user {
	return user{ID: u.ID, Peer: peerName(&tg.PeerUser{UserID: u.ID}), FirstName: u.FirstName,
		LastName: u.LastName, Username: u.Username, Phone: u.Phone, Bot: u.Bot}
}

// loggedIn answers a finished login with the account.
func loggedIn(w http.ResponseWriter, a tg.AuthAuthorizationClass) {
	switch a := a.(type) {
	case *tg.AuthAuthorization:
		if u, ok := a.User.(*tg.User); ok {
			writeJSON(w, http.StatusOK, map[string]any{"user": userOf(u)})
			return
		}
	case *tg.AuthAuthorizationSignUpRequired:
		writeJSON(w, http.StatusOK, map[string]any{"signup_required": true})
		return
	}
	writeError(w, http.StatusInternalServerError, "INTERNAL", "unexpected authorization")
}

type codeRequest struct {
	Phone string `json:"phone"`
}

// sendCode is auth.sendCode: the code goes where a development server puts
// it (its log, or --login-code).
func (s *Server) sendCode(w http.ResponseWriter, r *http.Request, _ chat.Session) {
	var req codeRequest
	if !decode(w, r, &req) {
		return
	}
	sent, err := s.svc.SendCode(r.Context(), &tg.AuthSendCodeRequest{
		PhoneNumber: req.Phone, APIID: consoleAPIID, APIHash: consoleAPIHash, Settings: tg.CodeSettings{},
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"phone_code_hash": sent.PhoneCodeHash, "timeout": sent.Timeout})
}

type signInRequest struct {
	Phone         string `json:"phone"`
	PhoneCodeHash string `json:"phone_code_hash"`
	Code          string `json:"code"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
}

// signIn is auth.signIn: the account, signup_required, or
// SESSION_PASSWORD_NEEDED when the account has a 2FA password.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req signInRequest
	if !decode(w, r, &req) {
		return
	}
	a, err := s.svc.SignIn(r.Context(), sess, &tg.AuthSignInRequest{
		PhoneNumber: req.Phone, PhoneCodeHash: req.PhoneCodeHash, PhoneCode: req.Code,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loggedIn(w, a)
}

// signUp is auth.signUp, after a signIn that answered signup_required.
func (s *Server) signUp(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req signInRequest
	if !decode(w, r, &req) {
		return
	}
	a, err := s.svc.SignUp(r.Context(), sess, &tg.AuthSignUpRequest{
		PhoneNumber: req.Phone, PhoneCodeHash: req.PhoneCodeHash, FirstName: req.FirstName, LastName: req.LastName,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loggedIn(w, a)
}

// checkPassword is auth.checkPassword with the SRP proof the page computed.
func (s *Server) checkPassword(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req srpProof
	if !decode(w, r, &req) {
		return
	}
	a, err := s.svc.AuthCheckPassword(r.Context(), sess, req.input())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loggedIn(w, a)
}

// me is the logged-in account.
func (s *Server) me(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	users, err := s.svc.GetUsers(r.Context(), sess, []tg.InputUserClass{&tg.InputUserSelf{}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(users) != 1 {
		s.fail(w, r, chat.ErrAuthKeyUnregistered)
		return
	}
	u, _ := users[0].(*tg.User)
	if u == nil {
		s.fail(w, r, chat.ErrAuthKeyUnregistered)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userOf(u)})
}

// logout is auth.logOut; the browser's key is destroyed with it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	if _, err := s.svc.LogOut(r.Context(), sess); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.keys.Delete(r.Context(), sess.PermAuthKeyID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
