package e2e

import (
	"context"
	"errors"
	"testing"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
)

// TestTwoFactorLogin sets a 2FA password with gotd's own SRP code, then
// logs in again: signIn answers SESSION_PASSWORD_NEEDED, a wrong password is
// PASSWORD_HASH_INVALID, a reused srp_id SRP_ID_INVALID, the right one logs in.
func TestTwoFactorLogin(t *testing.T) {
	srv := startServer(t)
	const phone, password = "15550000003", "correct horse"
	user := srv.signUpUser(phone, "Carol")
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()

	before, err := user.api.AccountGetPassword(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before.HasPassword {
		t.Fatal("a new account has a password")
	}
	if err := user.client.Auth().UpdatePassword(ctx, password, auth.UpdatePasswordOptions{Hint: "horse"}); err != nil {
		t.Fatalf("set password: %v", err)
	}
	after, err := user.api.AccountGetPassword(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !after.HasPassword || after.Hint != "horse" || len(after.SRPB) != 256 || after.SRPID == 0 {
		t.Fatalf("account.password after setting one: %+v", after)
	}
	again, err := user.api.AccountGetPassword(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.SRPID == after.SRPID {
		t.Fatal("two getPassword calls gave the same srp_id")
	}
	user.stop()

	// A new device: code, then password.
	var wrongErr, staleErr error
	lc, err := srv.connect(&session.StorageMemory{}, func(ctx context.Context, c *telegram.Client) error {
		a := c.Auth()
		sent, err := a.SendCode(ctx, phone, auth.SendCodeOptions{})
		if err != nil {
			return err
		}
		_, err = a.SignIn(ctx, phone, testLoginCode, sent.(*tg.AuthSentCode).PhoneCodeHash)
		if err != auth.ErrPasswordAuthNeeded {
			t.Errorf("signIn with 2FA: %v, want SESSION_PASSWORD_NEEDED", err)
		}
		if _, err := a.Password(ctx, "wrong horse"); !errors.Is(err, auth.ErrPasswordInvalid) {
			t.Errorf("gotd's Password with a wrong one: %v", err)
		}
		prove := func(pw string) (*tg.InputCheckPasswordSRP, error) {
			p, err := c.API().AccountGetPassword(ctx)
			if err != nil {
				return nil, err
			}
			return auth.PasswordHash([]byte(pw), p.SRPID, p.SRPB, p.SecureRandom, p.CurrentAlgo)
		}
		wrong, err := prove("wrong horse")
		if err != nil {
			return err
		}
		_, wrongErr = c.API().AuthCheckPassword(ctx, wrong)
		// An answer to a challenge that a newer getPassword replaced is stale.
		stale, err := prove(password)
		if err != nil {
			return err
		}
		answer, err := prove(password)
		if err != nil {
			return err
		}
		_, staleErr = c.API().AuthCheckPassword(ctx, stale)
		if _, err := c.API().AuthCheckPassword(ctx, answer); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("2FA login: %v", err)
	}
	wantRPCError(t, wrongErr, "PASSWORD_HASH_INVALID")
	wantRPCError(t, staleErr, "SRP_ID_INVALID")
	if lc.self.Phone != phone {
		t.Fatalf("logged in as %+v", lc.self)
	}

	// gotd's whole flow with the password works too, and removing it works.
	lc2, err := srv.connect(&session.StorageMemory{}, func(ctx context.Context, c *telegram.Client) error {
		return auth.NewFlow(signUpAuth{phone: phone, password: password}, auth.SendCodeOptions{}).Run(ctx, c.Auth())
	})
	if err != nil {
		t.Fatalf("flow with password: %v", err)
	}
	if _, err := lc2.api.AccountUpdatePasswordSettings(ctx, &tg.AccountUpdatePasswordSettingsRequest{
		Password: lc2.passwordProof(ctx, password), NewSettings: tg.AccountPasswordInputSettings{NewAlgo: &tg.PasswordKdfAlgoUnknown{}},
	}); err != nil {
		t.Fatalf("remove password: %v", err)
	}
	if p, err := lc2.api.AccountGetPassword(ctx); err != nil || p.HasPassword {
		t.Fatalf("after removal: %+v, %v", p, err)
	}
}

// TestBotsAndUsersKeepToTheirMethods: a bot may not set a 2FA password or
// start bots, and a wrong token does not log in.
func TestBotsAndUsersKeepToTheirMethods(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("rules_bot")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	_, err := bot.api.AccountUpdatePasswordSettings(ctx, &tg.AccountUpdatePasswordSettingsRequest{
		Password: &tg.InputCheckPasswordEmpty{}, NewSettings: tg.AccountPasswordInputSettings{},
	})
	wantRPCError(t, err, "BOT_METHOD_INVALID")
	_, err = srv.connect(&session.StorageMemory{}, func(ctx context.Context, c *telegram.Client) error {
		_, err := c.Auth().Bot(ctx, token+"x")
		return err
	})
	wantRPCError(t, err, "ACCESS_TOKEN_INVALID")
}
