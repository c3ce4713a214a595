package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// accessHash is the access_hash viewer must present for target: an HMAC of
// the pair under the server secret, so every viewer gets its own and none can
// be guessed, and nothing needs storing.
func (s *Service) accessHash(kind byte, viewer, target int64) int64 {
	return s.hashes.get(hashKey{kind, viewer, target}, func() int64 { return s.deriveHash(kind, viewer, target) })
}

// hashKey names one access hash.
type hashKey struct {
	kind           byte
	viewer, target int64
}

// memo remembers values derived by HMAC under the server secret (access
// hashes: every rendered user and checked peer needs one; chat instances:
// every button press), which cost more to derive than to look up. It holds
// at most maxMemo of them; past that it starts over.
type memo[K comparable] struct {
	mu sync.RWMutex
	m  map[K]int64
}

// maxMemo bounds each memo.
const maxMemo = 200_000

// get returns k's value, derived by derive the first time.
func (m *memo[K]) get(k K, derive func() int64) int64 {
	m.mu.RLock()
	v, ok := m.m[k]
	m.mu.RUnlock()
	if ok {
		return v
	}
	v = derive()
	m.mu.Lock()
	if m.m == nil || len(m.m) >= maxMemo {
		m.m = make(map[K]int64)
	}
	m.m[k] = v
	m.mu.Unlock()
	return v
}

// deriveHash computes an access hash.
func (s *Service) deriveHash(kind byte, viewer, target int64) int64 {
	m := hmac.New(sha256.New, s.secret)
	var b [17]byte
	b[0] = kind
	binary.LittleEndian.PutUint64(b[1:], uint64(viewer))
	binary.LittleEndian.PutUint64(b[9:], uint64(target))
	m.Write(b[:])
	return int64(binary.LittleEndian.Uint64(m.Sum(nil)))
}

const (
	kindUser    = 'u'
	kindChannel = 'c'
	kindGame    = 'g'
)

// userHash is the access_hash of user target for viewer.
func (s *Service) userHash(viewer, target int64) int64 {
	return s.accessHash(kindUser, viewer, target)
}

// resolveUser checks an InputUser for viewer and returns the account it names.
func (s *Service) resolveUser(ctx context.Context, viewer int64, in tg.InputUserClass) (*store.User, error) {
	var id int64
	switch u := in.(type) {
	case *tg.InputUserSelf:
		id = viewer
	case *tg.InputUser:
		if u.UserID != viewer && u.AccessHash != s.userHash(viewer, u.UserID) {
			return nil, ErrUserIDInvalid
		}
		id = u.UserID
	default:
		return nil, ErrUserIDInvalid
	}
	usr, err := s.st.Users().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUserIDInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("resolve user %d: %w", id, err)
	}
	return usr, nil
}

// resolvePeer checks an InputPeer for viewer. Only users are peers so far;
// basic groups and channels answer PEER_ID_INVALID and CHANNEL_INVALID.
func (s *Service) resolvePeer(ctx context.Context, viewer int64, in tg.InputPeerClass) (*store.User, error) {
	var id int64
	switch p := in.(type) {
	case *tg.InputPeerSelf:
		id = viewer
	case *tg.InputPeerUser:
		if p.UserID != viewer && p.AccessHash != s.userHash(viewer, p.UserID) {
			return nil, ErrPeerIDInvalid
		}
		id = p.UserID
	case *tg.InputPeerChannel, *tg.InputPeerChannelFromMessage:
		return nil, ErrChannelInvalid
	default:
		return nil, ErrPeerIDInvalid
	}
	usr, err := s.st.Users().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrPeerIDInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("resolve peer %d: %w", id, err)
	}
	return usr, nil
}

// userFor renders an account as viewer sees it.
func (s *Service) userFor(viewer int64, u *store.User) *tg.User {
	out := &tg.User{
		ID:         u.ID,
		AccessHash: s.userHash(viewer, u.ID),
		FirstName:  u.FirstName,
		LastName:   u.LastName,
		Username:   u.Username,
		Self:       u.ID == viewer,
		Bot:        u.Bot,
		// A deleted bot keeps its account (its messages name it) but no token.
		Deleted: u.Bot && u.BotToken == "",
	}
	out.SetFlags()
	if u.ID == viewer && u.Phone != "" {
		out.SetPhone(u.Phone)
	}
	if u.Bot {
		out.SetBotInfoVersion(1)
		if u.BotInline {
			out.SetBotInlinePlaceholder(u.BotInlinePlaceholder)
		}
	} else {
		out.SetStatus(&tg.UserStatusRecently{})
	}
	return out
}

// usersFor loads and renders the accounts ids (duplicates and unknown ids skipped).
func (s *Service) usersFor(ctx context.Context, viewer int64, ids ...int64) ([]tg.UserClass, error) {
	set, err := s.loadUsers(ctx, ids...)
	if err != nil {
		return nil, err
	}
	return set.render(s, viewer), nil
}

// userSet is accounts loaded once to be rendered for several viewers (a
// message's recipients each get the same users with their own access hashes).
type userSet struct {
	order []int64
	found map[int64]*store.User
}

// loadUsers loads the accounts ids in one query.
func (s *Service) loadUsers(ctx context.Context, ids ...int64) (*userSet, error) {
	uniq := make([]int64, 0, len(ids))
	if len(ids) <= 16 {
		// A handful (a message's sender and peer): a scan beats a map.
		for _, id := range ids {
			if id != 0 && !slices.Contains(uniq, id) {
				uniq = append(uniq, id)
			}
		}
	} else {
		seen := make(map[int64]bool, len(ids))
		for _, id := range ids {
			if id != 0 && !seen[id] {
				seen[id] = true
				uniq = append(uniq, id)
			}
		}
	}
	found, err := s.st.Users().GetMany(ctx, uniq)
	if err != nil {
		return nil, err
	}
	return &userSet{order: uniq, found: found}, nil
}

// render renders the set as viewer sees it.
func (u *userSet) render(s *Service, viewer int64) []tg.UserClass {
	out := make([]tg.UserClass, 0, len(u.order))
	for _, id := range u.order {
		if usr := u.found[id]; usr != nil {
			out = append(out, s.userFor(viewer, usr))
		}
	}
	return out
}

// peerUser is the Peer of a private chat with user id.
func peerUser(id int64) tg.PeerClass { return &tg.PeerUser{UserID: id} }

// InputPeer is the InputPeer viewer uses for peer, with viewer's access
// hashes: how in-process clients (the Bot API, BotFather) name chats.
func (s *Service) InputPeer(viewer int64, peer tg.PeerClass) tg.InputPeerClass {
	switch p := peer.(type) {
	case *tg.PeerUser:
		if p.UserID == viewer {
			return &tg.InputPeerSelf{}
		}
		return &tg.InputPeerUser{UserID: p.UserID, AccessHash: s.userHash(viewer, p.UserID)}
	case *tg.PeerChat:
		return &tg.InputPeerChat{ChatID: p.ChatID}
	case *tg.PeerChannel:
		return &tg.InputPeerChannel{ChannelID: p.ChannelID, AccessHash: s.channelHash(viewer, p.ChannelID)}
	}
	return &tg.InputPeerEmpty{}
}

// InputUser is the InputUser viewer uses for userID.
func (s *Service) InputUser(viewer, userID int64) tg.InputUserClass {
	if userID == viewer {
		return &tg.InputUserSelf{}
	}
	return &tg.InputUser{UserID: userID, AccessHash: s.userHash(viewer, userID)}
}
