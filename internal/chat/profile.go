package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// ErrAboutTooLong answers a bio over Telegram's 70 characters.
var ErrAboutTooLong = tgerr400("ABOUT_TOO_LONG")

// UpdateProfile answers account.updateProfile; the account's other sessions
// get updateUserName.
func (s *Service) UpdateProfile(ctx context.Context, sess Session, req *tg.AccountUpdateProfileRequest) (tg.UserClass, error) {
	u, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	if v, ok := req.GetFirstName(); ok {
		v = strings.TrimSpace(v)
		if v == "" || utf8.RuneCountInString(v) > 64 {
			return nil, ErrFirstNameInvalid
		}
		u.FirstName = v
	}
	if v, ok := req.GetLastName(); ok {
		if utf8.RuneCountInString(v) > 64 {
			return nil, ErrLastNameInvalid
		}
		u.LastName = strings.TrimSpace(v)
	}
	if v, ok := req.GetAbout(); ok {
		if utf8.RuneCountInString(v) > 70 {
			return nil, ErrAboutTooLong
		}
		u.About = v
	}
	if err := s.st.Users().SetProfile(ctx, u.ID, u.FirstName, u.LastName, u.About); err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	s.pushProfile(ctx, sess, u)
	return s.userFor(u.ID, u), nil
}

// UpdateAccountUsername answers account.updateUsername.
func (s *Service) UpdateAccountUsername(ctx context.Context, sess Session, username string) (tg.UserClass, error) {
	username = strings.TrimPrefix(username, "@")
	if username != "" && !ValidUsername(username) {
		return nil, ErrUsernameInvalid
	}
	u, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("update username: %w", err)
	}
	if strings.EqualFold(u.Username, username) && u.Username == username {
		return nil, ErrUsernameNotModified
	}
	if err := s.st.Users().SetUsername(ctx, u.ID, username); errors.Is(err, store.ErrConflict) {
		return nil, ErrUsernameOccupiedRPC
	} else if err != nil {
		return nil, fmt.Errorf("update username: %w", err)
	}
	u.Username = username
	s.pushProfile(ctx, sess, u)
	return s.userFor(u.ID, u), nil
}

// pushProfile tells the account's other sessions about its new name.
func (s *Service) pushProfile(ctx context.Context, sess Session, u *store.User) {
	up := &tg.UpdateUserName{UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Usernames: []tg.Username{}}
	if u.Username != "" {
		up.Usernames = []tg.Username{{Editable: true, Active: true, Username: u.Username}}
	}
	short := &tg.UpdateShort{Update: up, Date: int(s.now().Unix())}
	if err := s.push.PushUser(ctx, u.ID, sess, short); err != nil {
		s.log.Warn("push profile", "user", u.ID, "err", err)
	}
}
