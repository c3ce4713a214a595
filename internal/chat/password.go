package chat

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/srp"
	"github.com/buttonflow/buttonflow/internal/store"
)

// newAlgo is the new_algo offered to an account. Its salts come from an HMAC
// of the account id, so the salt1 prefix that account.updatePasswordSettings
// checks is the one account.getPassword gave, with nothing stored.
func (s *Service) newAlgo(userID int64) (*tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow, error) {
	m := hmac.New(sha256.New, s.secret)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(userID))
	m.Write([]byte("srp new_algo"))
	m.Write(b[:])
	return srp.NewAlgo(bytes.NewReader(m.Sum(nil)))
}

// passwordOwner is the account a 2FA call is about: the logged-in one, or the
// one waiting on this key for auth.checkPassword.
func (s *Service) passwordOwner(ctx context.Context, sess Session) (*store.User, error) {
	id := sess.UserID
	if id == 0 {
		s.codesMu.Lock()
		id = s.pending[sess.PermAuthKeyID]
		s.codesMu.Unlock()
	}
	if id == 0 {
		return nil, ErrAuthKeyUnregistered
	}
	u, err := s.st.Users().Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("password owner %d: %w", id, err)
	}
	return u, nil
}

func verifierOf(p *store.Password) srp.Verifier {
	return srp.Verifier{Salt1: p.Salt1, Salt2: p.Salt2, V: p.Verifier}
}

// GetPassword answers account.getPassword: the current algorithm with a fresh
// SRP challenge when a password is set, and the algorithm for a new one.
func (s *Service) GetPassword(ctx context.Context, sess Session) (*tg.AccountPassword, error) {
	u, err := s.passwordOwner(ctx, sess)
	if err != nil {
		return nil, err
	}
	algo, err := s.newAlgo(u.ID)
	if err != nil {
		return nil, err
	}
	secure, err := srp.NewSecureAlgo(s.rand)
	if err != nil {
		return nil, err
	}
	random, err := s.randomBytes(32)
	if err != nil {
		return nil, err
	}
	out := &tg.AccountPassword{NewAlgo: algo, NewSecureAlgo: secure, SecureRandom: random}
	if u.Password != nil {
		v := verifierOf(u.Password)
		id, b, err := s.srp.Challenge(u.ID, v)
		if err != nil {
			return nil, fmt.Errorf("srp challenge: %w", err)
		}
		out.HasPassword = true
		out.CurrentAlgo = v.Algo()
		out.SRPB, out.SRPID = b, id
		out.Hint = u.Password.Hint
	}
	return out, nil
}

// CheckPassword verifies an SRP proof of the account's 2FA password: nil when
// right; PASSWORD_MISSING when the account has none; SRP_ID_INVALID,
// PASSWORD_HASH_INVALID or FLOOD_WAIT otherwise. Password buttons use it too.
func (s *Service) CheckPassword(u *store.User, in tg.InputCheckPasswordSRPClass) error {
	if u.Password == nil {
		return ErrPasswordMissing
	}
	p, ok := in.(*tg.InputCheckPasswordSRP)
	if !ok {
		return ErrPasswordHashInvalid
	}
	return s.srp.Check(u.ID, verifierOf(u.Password), p)
}

// AuthCheckPassword answers auth.checkPassword, the second step of a login
// that signIn answered with SESSION_PASSWORD_NEEDED.
func (s *Service) AuthCheckPassword(ctx context.Context, sess Session, in tg.InputCheckPasswordSRPClass) (tg.AuthAuthorizationClass, error) {
	s.codesMu.Lock()
	id := s.pending[sess.PermAuthKeyID]
	s.codesMu.Unlock()
	if id == 0 {
		return nil, ErrAuthKeyUnregistered
	}
	u, err := s.st.Users().Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("check password: %w", err)
	}
	if err := s.CheckPassword(u, in); err != nil {
		if errors.Is(err, ErrPasswordMissing) {
			return nil, ErrPasswordHashInvalid
		}
		return nil, err
	}
	return s.authorize(ctx, sess, u)
}

// UpdatePasswordSettings answers account.updatePasswordSettings: it sets,
// changes or removes the 2FA password after checking the current one.
func (s *Service) UpdatePasswordSettings(ctx context.Context, sess Session, req *tg.AccountUpdatePasswordSettingsRequest) (tg.BoolClass, error) {
	u, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("update password: %w", err)
	}
	if u.Password != nil {
		if err := s.CheckPassword(u, req.Password); err != nil {
			return nil, err
		}
	} else if _, empty := req.Password.(*tg.InputCheckPasswordEmpty); !empty {
		return nil, ErrPasswordHashInvalid
	}
	set := req.NewSettings
	newAlgo, hasAlgo := set.GetNewAlgo()
	if _, unknown := newAlgo.(*tg.PasswordKdfAlgoUnknown); !hasAlgo || unknown {
		// No new algorithm: remove the password.
		if u.Password == nil {
			return nil, ErrNewSettingsInvalid
		}
		if err := s.st.Users().SetPassword(ctx, u.ID, nil); err != nil {
			return nil, fmt.Errorf("remove password: %w", err)
		}
		return &tg.BoolTrue{}, nil
	}
	hash, _ := set.GetNewPasswordHash()
	offered, err := s.newAlgo(u.ID)
	if err != nil {
		return nil, err
	}
	v, err := srp.VerifierFromSettings(offered.Salt1, newAlgo, hash)
	if err != nil {
		return nil, err
	}
	hint, _ := set.GetHint()
	if err := s.st.Users().SetPassword(ctx, u.ID, &store.Password{Salt1: v.Salt1, Salt2: v.Salt2, Verifier: v.V, Hint: hint}); err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	return &tg.BoolTrue{}, nil
}
