package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gotd/td/bin"
	"golang.org/x/sys/unix"
)

// rawPoller reads the sockets of many raw clients on one goroutine, with an
// epoll instance of its own (edge-triggered), as event-driven load
// generators do. A goroutine per connection, parked in Go's netpoller,
// costs a wake-up and a switch for every frame and a stack for the
// collector to scan; with 1000 users in the server's process that is the
// load generator's largest cost. The sockets are nonblocking and outside
// Go's netpoller; writes go straight to the socket (rawSock.Write).
type rawPoller struct {
	epfd int
	ep   *os.File // epfd, for Go's netpoller to wait on

	mu      sync.Mutex
	clients []*pollClient // by the index in their epoll event

	done chan struct{}
}

// pollClient is a client as the poller reads it.
type pollClient struct {
	c    *rawClient
	sock *rawSock
	in   []byte     // bytes read and not yet handled (at most one partial frame after handle)
	buf  bin.Buffer // a frame being decrypted
}

// newRawPoller starts a poller.
func newRawPoller() (*rawPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	// An epoll instance is readable while it has events: the poller's
	// goroutine parks in Go's netpoller until then, as a goroutine
	// reading a socket does, instead of blocking a thread in epoll_wait.
	if err := unix.SetNonblock(epfd, true); err != nil {
		_ = unix.Close(epfd)
		return nil, err
	}
	p := &rawPoller{epfd: epfd, ep: os.NewFile(uintptr(epfd), "epoll"), done: make(chan struct{})}
	rc, err := p.ep.SyscallConn()
	if err != nil {
		_ = p.ep.Close()
		return nil, err
	}
	go p.loop(rc)
	return p, nil
}

// close ends the poller and waits for it; the clients must be closed
// first.
func (p *rawPoller) close() {
	_ = p.ep.Close()
	<-p.done
}

// dial connects c to addr (a loopback TCP address) on a socket the poller
// reads.
func (p *rawPoller) dial(addr string, c *rawClient) error {
	ta, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	sa := &unix.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	// A blocking connect: on loopback it returns at once.
	if err := unix.Connect(fd, sa); err != nil {
		_ = unix.Close(fd)
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	if err := errors.Join(unix.SetNonblock(fd, true), unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)); err != nil {
		_ = unix.Close(fd)
		return err
	}
	sock := &rawSock{fd: fd}
	c.conn = sock
	pc := &pollClient{c: c, sock: sock, in: make([]byte, 0, 4<<10)}
	p.mu.Lock()
	idx := len(p.clients)
	p.clients = append(p.clients, pc)
	p.mu.Unlock()
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(idx)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = sock.release() // writes to it fail from now on
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	return nil
}

// loop waits for readable sockets and handles what they bring, until the
// poller is closed.
func (p *rawPoller) loop(rc syscall.RawConn) {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	_ = rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.EpollWait(int(fd), events, 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || n == 0 {
				return false // wait until the instance has events again
			}
			for _, ev := range events[:n] {
				p.mu.Lock()
				pc := p.clients[ev.Fd]
				p.mu.Unlock()
				if !pc.sock.closed.Load() {
					pc.readable()
				}
			}
		}
	})
}

// readable reads what the socket has and handles every whole frame; at the
// end of the stream, or on an error, the client stops and the socket is
// closed.
func (pc *pollClient) readable() {
	if err := pc.read(); err != nil {
		_ = pc.sock.release()
		pc.c.stop(err)
	}
}

func (pc *pollClient) read() error {
	for {
		if len(pc.in) == cap(pc.in) {
			pc.in = append(pc.in, make([]byte, cap(pc.in))...)[:len(pc.in)]
		}
		free := pc.in[len(pc.in):cap(pc.in)]
		n, err := unix.Read(pc.sock.fd, free)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return nil
		case err != nil:
			return err
		case n == 0:
			return errRawClosed
		}
		pc.in = pc.in[:len(pc.in)+n]
		if err := pc.handleFrames(); err != nil {
			return err
		}
		if n < len(free) {
			// The socket had less than the room: it is empty now, and
			// the next bytes bring a new edge.
			return nil
		}
	}
}

// handleFrames handles the whole frames at the start of pc.in and keeps
// the rest.
func (pc *pollClient) handleFrames() error {
	off := 0
	for len(pc.in)-off >= 4 {
		n, err := rawFrameLen(pc.in[off:])
		if err != nil {
			return err
		}
		if len(pc.in)-off-4 < n {
			break
		}
		pc.buf.Buf = append(pc.buf.Buf[:0], pc.in[off+4:off+4+n]...)
		off += 4 + n
		if err := pc.c.frameIn(&pc.buf, len(pc.in) > off); err != nil {
			return err
		}
	}
	pc.in = pc.in[:copy(pc.in, pc.in[off:])]
	return nil
}

// rawSock is a nonblocking TCP socket that a rawPoller reads.
type rawSock struct {
	fd     int
	mu     sync.RWMutex // held for reading by Write and Close, for writing by release
	closed atomic.Bool  // released: fd is no longer this socket's
}

// Write writes all of b, waiting for room when the socket's buffer is
// full. On the poller's goroutine (a bot answering a push) that wait holds
// up every other client's reads too; with small frames and loopback's
// buffers it does not happen here, but a server that stopped reading could
// stall the whole load generator.
func (s *rawSock) Write(b []byte) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return 0, net.ErrClosed
	}
	n := 0
	for n < len(b) {
		m, err := unix.Write(s.fd, b[n:])
		if m > 0 {
			n += m
		}
		switch {
		case err == nil, errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(fds, 1000); err != nil && !errors.Is(err, unix.EINTR) {
				return n, err
			}
		default:
			return n, err
		}
	}
	return n, nil
}

// Close shuts the socket down; the poller sees the end of the stream,
// stops the client and closes the socket.
func (s *rawSock) Close() error {
	s.mu.RLock() // not while release closes fd: the number may be reused
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return nil
	}
	return unix.Shutdown(s.fd, unix.SHUT_RDWR)
}

// release closes the socket; the poller calls it once, when it is done
// with the client.
func (s *rawSock) release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed.Store(true)
	return unix.Close(s.fd)
}
