// Package help serves the help.* methods a client calls before anything else:
// help.getConfig (where the server's data center is) and help.getNearestDc.
package help

import (
	"context"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/rpc"
)

// Config is what the server tells clients about itself.
type Config struct {
	// DC is the server's data center id.
	DC int
	// Addresses are the IP addresses and ports clients may connect to: the
	// dc_options of help.getConfig.
	Addresses []Address
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
}

// Address is one dc_options entry.
type Address struct {
	IP   string
	Port int
}

// configTTL is how long a client may keep the config before asking again.
const configTTL = time.Hour

// Register adds the help methods to mux; they work without a login.
func Register(mux *rpc.Mux, cfg Config) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	mux.Handle(tg.HelpGetConfigRequestTypeID, rpc.Typed(
		func(ctx context.Context, s rpc.Session, _ *tg.HelpGetConfigRequest) (*tg.Config, error) {
			return cfg.config(), nil
		}), rpc.Public())
	mux.Handle(tg.HelpGetNearestDCRequestTypeID, rpc.Typed(
		func(ctx context.Context, s rpc.Session, _ *tg.HelpGetNearestDCRequest) (*tg.NearestDC, error) {
			return &tg.NearestDC{Country: "", ThisDC: cfg.DC, NearestDC: cfg.DC}, nil
		}), rpc.Public())
}

// config builds help.getConfig's answer with Telegram's usual limits.
func (cfg Config) config() *tg.Config {
	now := cfg.Clock()
	opts := make([]tg.DCOption, 0, len(cfg.Addresses))
	for _, a := range cfg.Addresses {
		opts = append(opts, tg.DCOption{ID: cfg.DC, IPAddress: a.IP, Port: a.Port, Ipv6: isIPv6(a.IP)})
	}
	c := &tg.Config{
		Date:                    int(now.Unix()),
		Expires:                 int(now.Add(configTTL).Unix()),
		ThisDC:                  cfg.DC,
		DCOptions:               opts,
		DCTxtDomainName:         "",
		ChatSizeMax:             200,
		MegagroupSizeMax:        200000,
		ForwardedCountMax:       100,
		OnlineUpdatePeriodMs:    210000,
		OfflineBlurTimeoutMs:    5000,
		OfflineIdleTimeoutMs:    30000,
		OnlineCloudTimeoutMs:    300000,
		NotifyCloudDelayMs:      30000,
		NotifyDefaultDelayMs:    1500,
		PushChatPeriodMs:        60000,
		PushChatLimit:           2,
		EditTimeLimit:           172800,
		RevokeTimeLimit:         2147483647,
		RevokePmTimeLimit:       2147483647,
		RatingEDecay:            2419200,
		StickersRecentLimit:     200,
		ChannelsReadMediaPeriod: 604800,
		CallReceiveTimeoutMs:    20000,
		CallRingTimeoutMs:       90000,
		CallConnectTimeoutMs:    30000,
		CallPacketTimeoutMs:     10000,
		MeURLPrefix:             "https://t.me/",
		CaptionLengthMax:        1024,
		MessageLengthMax:        4096,
		WebfileDCID:             cfg.DC,
	}
	c.SetFlags()
	return c
}

func isIPv6(ip string) bool {
	for i := 0; i < len(ip); i++ {
		if ip[i] == ':' {
			return true
		}
	}
	return false
}
