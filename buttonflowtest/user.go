package buttonflowtest

import (
	"context"
	"fmt"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/client"
)

// UserOption configures NewUser.
type UserOption func(*userOptions)

type userOptions struct {
	first, last string
	username    string
	password    string
	phone       string
	client      client.Options
}

// WithName is the user's first and last name ("Test" "User" when not given).
func WithName(first, last string) UserOption {
	return func(o *userOptions) { o.first, o.last = first, last }
}

// WithUsername is the user's username: 5 to 32 letters, digits and _,
// starting with a letter ("user" and the phone's digits when not given).
// Bots find users by it (Bot.PeerOf, contacts.resolveUsername).
func WithUsername(username string) UserOption {
	return func(o *userOptions) { o.username = username }
}

// WithPassword sets a 2FA password on the new account and makes it the
// client's password provider, for buttons that require the password.
func WithPassword(password string) UserOption {
	return func(o *userOptions) { o.password = password }
}

// WithPhone is the phone the user signs up with (a fresh one when not given).
func WithPhone(phone string) UserOption {
	return func(o *userOptions) { o.phone = phone }
}

// WithClientOptions are the client's options, such as a clock (Now) for
// tests of the answer cache. WithPassword's provider wins over theirs.
func WithClientOptions(opts client.Options) UserOption {
	return func(o *userOptions) { o.client = opts }
}

// NewUser signs a new account up with the login code and returns it as a
// connected client; it disconnects when the test ends.
func (s *Server) NewUser(t TB, opts ...UserOption) *client.Client {
	t.Helper()
	o := userOptions{first: "Test", last: "User", phone: s.nextPhone()}
	for _, f := range opts {
		f(&o)
	}
	if o.username == "" {
		o.username = "user" + o.phone
	}
	if o.password != "" {
		pw := o.password
		o.client.Password = func(context.Context) (string, error) { return pw, nil }
	}
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	c, err := client.Connect(ctx, client.Config{
		AppID: appID, AppHash: appHash, Telegram: s.TelegramOptions(), Options: o.client,
		Login: func(ctx context.Context, tc *telegram.Client) error {
			flow := auth.NewFlow(signUp{o}, auth.SendCodeOptions{})
			if err := flow.Run(ctx, tc.Auth()); err != nil {
				return err
			}
			if _, err := tc.API().AccountUpdateUsername(ctx, o.username); err != nil {
				return fmt.Errorf("set username: %w", err)
			}
			if o.password != "" {
				if err := tc.Auth().UpdatePassword(ctx, o.password, auth.UpdatePasswordOptions{}); err != nil {
					return fmt.Errorf("set password: %w", err)
				}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatalf("buttonflowtest: new user %s: %v", o.phone, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// signUp answers gotd's login flow for a new account.
type signUp struct{ o userOptions }

func (a signUp) Phone(context.Context) (string, error) { return a.o.phone, nil }
func (a signUp) Password(context.Context) (string, error) {
	return "", auth.ErrPasswordNotProvided
}
func (a signUp) Code(context.Context, *tg.AuthSentCode) (string, error) { return LoginCode, nil }
func (a signUp) AcceptTermsOfService(context.Context, tg.HelpTermsOfService) error {
	return nil
}
func (a signUp) SignUp(context.Context) (auth.UserInfo, error) {
	return auth.UserInfo{FirstName: a.o.first, LastName: a.o.last}, nil
}
