package chat

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// codeTTL is how long a login code stays valid; codeAttempts how many wrong
// tries it survives.
const (
	codeTTL      = 5 * time.Minute
	codeAttempts = 5
	codeLength   = 5
)

type sentCode struct {
	phone    string
	code     string
	expires  time.Time
	attempts int
	verified bool // signIn saw the right code for a phone with no account yet
}

// normalizePhone keeps the digits of a phone number and checks its length.
func normalizePhone(p string) (string, error) {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", ErrPhoneNumberInvalid
		}
	}
	if b.Len() < 5 || b.Len() > 15 {
		return "", ErrPhoneNumberInvalid
	}
	return b.String(), nil
}

func (s *Service) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("random: %w", err)
	}
	return b, nil
}

// SendCode answers auth.sendCode: it makes a login code for the phone and
// writes it to the log (with --login-code, that code works too).
func (s *Service) SendCode(ctx context.Context, req *tg.AuthSendCodeRequest) (*tg.AuthSentCode, error) {
	phone, err := normalizePhone(req.PhoneNumber)
	if err != nil {
		return nil, err
	}
	if req.APIID <= 0 || req.APIHash == "" {
		return nil, ErrAPIIDInvalid
	}
	raw, err := s.randomBytes(16)
	if err != nil {
		return nil, err
	}
	code := ""
	for _, b := range raw[:codeLength] {
		code += strconv.Itoa(int(b) % 10)
	}
	hash := hex.EncodeToString(raw[codeLength:])
	now := s.now()
	s.codesMu.Lock()
	for h, c := range s.codes {
		if now.After(c.expires) {
			delete(s.codes, h)
		}
	}
	s.codes[hash] = &sentCode{phone: phone, code: code, expires: now.Add(codeTTL)}
	s.codesMu.Unlock()
	s.log.Info("login code", "phone", phone, "code", code)
	return &tg.AuthSentCode{
		Type:          &tg.AuthSentCodeTypeApp{Length: codeLength},
		PhoneCodeHash: hash,
		Timeout:       int(codeTTL / time.Second),
	}, nil
}

// checkCode validates a code for phone/hash; it returns the live entry.
func (s *Service) checkCode(phone, hash, code string, needCode bool) (*sentCode, error) {
	if hash == "" {
		return nil, ErrPhoneCodeHashEmpty
	}
	s.codesMu.Lock()
	defer s.codesMu.Unlock()
	c := s.codes[hash]
	if c == nil || c.phone != phone || s.now().After(c.expires) {
		delete(s.codes, hash)
		return nil, ErrPhoneCodeExpired
	}
	if !needCode {
		if !c.verified {
			return nil, ErrPhoneCodeInvalid
		}
		return c, nil
	}
	if code == "" {
		return nil, ErrPhoneCodeEmpty
	}
	ok := subtle.ConstantTimeCompare([]byte(code), []byte(c.code)) == 1 ||
		(s.loginCode != "" && subtle.ConstantTimeCompare([]byte(code), []byte(s.loginCode)) == 1)
	if !ok {
		c.attempts++
		if c.attempts >= codeAttempts {
			delete(s.codes, hash)
			return nil, ErrPhoneCodeExpired
		}
		return nil, ErrPhoneCodeInvalid
	}
	return c, nil
}

func (s *Service) dropCode(hash string) {
	s.codesMu.Lock()
	delete(s.codes, hash)
	s.codesMu.Unlock()
}

// SignIn answers auth.signIn.
func (s *Service) SignIn(ctx context.Context, sess Session, req *tg.AuthSignInRequest) (tg.AuthAuthorizationClass, error) {
	phone, err := normalizePhone(req.PhoneNumber)
	if err != nil {
		return nil, err
	}
	c, err := s.checkCode(phone, req.PhoneCodeHash, req.PhoneCode, true)
	if err != nil {
		return nil, err
	}
	u, err := s.st.Users().ByPhone(ctx, phone)
	if errors.Is(err, store.ErrNotFound) {
		s.codesMu.Lock()
		c.verified = true
		s.codesMu.Unlock()
		return &tg.AuthAuthorizationSignUpRequired{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	s.dropCode(req.PhoneCodeHash)
	if u.Password != nil {
		s.codesMu.Lock()
		s.pending[sess.PermAuthKeyID] = u.ID
		s.codesMu.Unlock()
		return nil, ErrSessionPasswordNeeded
	}
	return s.authorize(ctx, sess, u)
}

// SignUp answers auth.signUp, after a signIn that found no account.
func (s *Service) SignUp(ctx context.Context, sess Session, req *tg.AuthSignUpRequest) (tg.AuthAuthorizationClass, error) {
	phone, err := normalizePhone(req.PhoneNumber)
	if err != nil {
		return nil, err
	}
	first, last := strings.TrimSpace(req.FirstName), strings.TrimSpace(req.LastName)
	if first == "" || utf8.RuneCountInString(first) > 64 {
		return nil, ErrFirstNameInvalid
	}
	if utf8.RuneCountInString(last) > 64 {
		return nil, ErrLastNameInvalid
	}
	if _, err := s.checkCode(phone, req.PhoneCodeHash, "", false); err != nil {
		return nil, err
	}
	u := &store.User{Phone: phone, FirstName: first, LastName: last, CreatedAt: s.now()}
	if err := s.st.Users().Create(ctx, u); errors.Is(err, store.ErrConflict) {
		return nil, ErrPhoneNumberOccupied
	} else if err != nil {
		return nil, fmt.Errorf("sign up: %w", err)
	}
	s.dropCode(req.PhoneCodeHash)
	s.log.Info("signed up", "user", u.ID, "phone", phone)
	return s.authorize(ctx, sess, u)
}

// authorize logs u in on the caller's permanent key.
func (s *Service) authorize(ctx context.Context, sess Session, u *store.User) (*tg.AuthAuthorization, error) {
	if sess.PermAuthKeyID == 0 {
		return nil, ErrAuthKeyUnregistered
	}
	if err := s.logins.SetLogin(ctx, sess.PermAuthKeyID, u.ID, u.Bot); err != nil {
		return nil, fmt.Errorf("log in user %d: %w", u.ID, err)
	}
	s.codesMu.Lock()
	delete(s.pending, sess.PermAuthKeyID)
	s.codesMu.Unlock()
	return &tg.AuthAuthorization{User: s.userFor(u.ID, u)}, nil
}

// ImportBotAuthorization answers auth.importBotAuthorization: a bot logs in
// with its token.
func (s *Service) ImportBotAuthorization(ctx context.Context, sess Session, req *tg.AuthImportBotAuthorizationRequest) (tg.AuthAuthorizationClass, error) {
	if req.APIID <= 0 || req.APIHash == "" {
		return nil, ErrAPIIDInvalid
	}
	u, err := s.BotByToken(ctx, req.BotAuthToken)
	if err != nil {
		return nil, err
	}
	return s.authorize(ctx, sess, u)
}

// BotByToken returns the bot whose token is token, or ACCESS_TOKEN_INVALID.
func (s *Service) BotByToken(ctx context.Context, token string) (*store.User, error) {
	idPart, secret, ok := strings.Cut(token, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || secret == "" {
		return nil, ErrAccessTokenInvalid
	}
	u, err := s.st.Users().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrAccessTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("bot by token: %w", err)
	}
	if !u.Bot || subtle.ConstantTimeCompare([]byte(secret), []byte(u.BotToken)) != 1 {
		return nil, ErrAccessTokenInvalid
	}
	return u, nil
}

// LogOut answers auth.logOut.
func (s *Service) LogOut(ctx context.Context, sess Session) (*tg.AuthLoggedOut, error) {
	if err := s.logins.SetLogin(ctx, sess.PermAuthKeyID, 0, false); err != nil {
		return nil, fmt.Errorf("log out: %w", err)
	}
	return &tg.AuthLoggedOut{}, nil
}

// ValidUsername reports whether name is a valid Telegram username (5 to 32
// characters of a-z, 0-9 and _, starting with a letter, no trailing or double _).
func ValidUsername(name string) bool {
	if len(name) < 5 || len(name) > 32 {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return !strings.HasSuffix(name, "_") && !strings.Contains(name, "__")
}

// ErrUsernameOccupied means another account has the username.
var ErrUsernameOccupied = errors.New("username is already taken")

// CreateBot makes a bot account and returns its token (<id>:<secret>). It
// needs only the store, so the CLI can run it beside a live server.
func CreateBot(ctx context.Context, users store.Users, random io.Reader, now time.Time, username, name string, owner int64) (*store.User, string, error) {
	username = strings.TrimPrefix(username, "@")
	if !ValidUsername(username) || !strings.HasSuffix(strings.ToLower(username), "bot") {
		return nil, "", fmt.Errorf("bot username %q: 5-32 letters, digits and _, starting with a letter and ending in \"bot\"", username)
	}
	if name == "" {
		name = username
	}
	if utf8.RuneCountInString(name) > 64 {
		return nil, "", fmt.Errorf("bot name longer than 64 characters")
	}
	secret, err := newTokenSecret(random)
	if err != nil {
		return nil, "", err
	}
	u := &store.User{FirstName: name, Username: username, Bot: true, BotOwner: owner, CreatedAt: now, BotToken: secret}
	if err := users.Create(ctx, u); errors.Is(err, store.ErrConflict) {
		return nil, "", fmt.Errorf("bot @%s: %w", username, ErrUsernameOccupied)
	} else if err != nil {
		return nil, "", fmt.Errorf("create bot @%s: %w", username, err)
	}
	return u, strconv.FormatInt(u.ID, 10) + ":" + u.BotToken, nil
}
