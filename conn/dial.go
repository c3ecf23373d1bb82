package conn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/ringwire/ringwire/poller"
)

// DialOptions configure Dial. A nil *DialOptions gives the defaults.
type DialOptions struct {
	Options

	// Poller runs the connection; by default a poller the package starts at
	// the first Dial that needs it, with one loop per CPU, and never stops.
	Poller *poller.Poller

	// ConnectTimeout bounds the connect, besides ctx. 0 means no bound
	// beyond ctx's.
	ConnectTimeout time.Duration
}

// Dial connects to address on network ("tcp", "tcp4", "tcp6" or "unix")
// through the poller, without blocking a thread, and returns the connection
// once connected. ctx bounds the connect only: cancelling it later does
// nothing to the connection. Close the connection when done with it.
func Dial(ctx context.Context, network, address string, opts *DialOptions) (*Conn, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if opts.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
		defer cancel()
	}
	addr, err := resolve(ctx, network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	e, err := engineFor(opts.Poller)
	if err != nil {
		return nil, err
	}
	fd, err := socketFor(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
	}
	o := opts.Options // the connection keeps its own copy
	l := e.p.Next()
	c := newConn(e, l, nil, &o)
	c.setAddrs(sockAddr{}, toSockAddr(addr))
	connected := make(chan error, 1)
	c.rare().connected = connected // the loop's from here: it clears it once it has answered
	err = l.PostFunc(func() {
		h, err := l.Register(fd, (*loopSide)(c))
		if err != nil {
			closeFD(fd)
			connected <- err
			c.x.connected = nil
			c.unref() // the loop's: it never had the handle
			return
		}
		c.h = h
		e.local(l).dialed.add(l, c)
		tune(fd, &o)
		if err := h.Connect(addr); err != nil {
			c.fail("connect", err)
		}
	})
	if err != nil {
		closeFD(fd)
		return nil, err
	}
	select {
	case err = <-connected:
	case <-ctx.Done():
		c.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: ctx.Err()}
	}
	if err != nil {
		c.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
	}
	return c, nil
}

func (s *loopSide) OnConnect(h *poller.Handle, err error) {
	c := (*Conn)(s)
	ch := c.x.connected
	c.x.connected = nil
	if err != nil {
		c.fail("connect", err)
		if ch != nil {
			ch <- err
		}
		return
	}
	// Dial has not returned c: nobody reads the addresses yet.
	if a := sockName(h.FD()); a.unix != nil {
		c.x.localUnix = a.unix
	} else {
		c.local = a.ap
	}
	h.Recv()
	if ch != nil {
		ch <- nil
	}
}

// resolve turns address into a *net.TCPAddr or a *net.UnixAddr.
func resolve(ctx context.Context, network, address string) (net.Addr, error) {
	switch network {
	case "unix":
		return &net.UnixAddr{Name: address, Net: "unix"}, nil
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, net.UnknownNetworkError(network)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	pn, err := net.DefaultResolver.LookupPort(ctx, network, port)
	if err != nil {
		return nil, err
	}
	ipNet := map[string]string{"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6"}[network]
	if host == "" {
		host = "localhost"
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, ipNet, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("no %s address for %s", ipNet, host)
	}
	ip := ips[0]
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(pn))), nil
}
