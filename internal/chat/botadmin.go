package chat

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
)

// newTokenSecret makes the secret half of a bot token.
func newTokenSecret(random io.Reader) (string, error) {
	raw := make([]byte, 26)
	if _, err := io.ReadFull(random, raw); err != nil {
		return "", fmt.Errorf("bot token: %w", err)
	}
	return "AA" + base64.RawURLEncoding.EncodeToString(raw)[:33], nil
}

// RevokeBotToken gives a bot a new token and logs every session of the old
// one out at once; it returns the new token (<id>:<secret>).
func (s *Service) RevokeBotToken(ctx context.Context, botID int64) (string, error) {
	secret, err := newTokenSecret(s.rand)
	if err != nil {
		return "", err
	}
	if err := s.st.Users().SetBotToken(ctx, botID, secret); err != nil {
		return "", fmt.Errorf("revoke token: %w", err)
	}
	if err := s.logOutEverywhere(ctx, botID); err != nil {
		return "", fmt.Errorf("revoke token: %w", err)
	}
	s.log.Info("bot token revoked", "bot", botID)
	return fmt.Sprintf("%d:%s", botID, secret), nil
}

// DeleteBot deletes a bot (its username is freed, its token, commands and
// games are gone) and logs its sessions out at once.
func (s *Service) DeleteBot(ctx context.Context, botID int64) error {
	if err := s.st.Users().DeleteBot(ctx, botID); err != nil {
		return fmt.Errorf("delete bot: %w", err)
	}
	if err := s.logOutEverywhere(ctx, botID); err != nil {
		return fmt.Errorf("delete bot: %w", err)
	}
	s.log.Info("bot deleted", "bot", botID)
	return nil
}

// logOutEverywhere logs userID out of every auth key it is logged in with;
// the keys' sessions get AUTH_KEY_UNREGISTERED from their next call.
func (s *Service) logOutEverywhere(ctx context.Context, userID int64) error {
	keys, err := s.st.AuthKeys().OfUser(ctx, userID)
	if err != nil {
		return err
	}
	for _, id := range keys {
		if err := s.logins.SetLogin(ctx, id, 0, false); err != nil {
			return fmt.Errorf("log out key %x: %w", uint64(id), err)
		}
	}
	return nil
}
