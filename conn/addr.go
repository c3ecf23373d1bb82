package conn

import (
	"net"
	"net/netip"
)

// sockAddr is one end of a socket as the kernel reports it: a TCP address,
// which a connection keeps by value (two *net.TCPAddr cost it 125 bytes of
// the 0.8 KB it held idle), or a Unix socket's name.
type sockAddr struct {
	ap   netip.AddrPort
	unix *net.UnixAddr
}

func toSockAddr(a net.Addr) sockAddr {
	switch a := a.(type) {
	case *net.TCPAddr:
		return sockAddr{ap: a.AddrPort()}
	case *net.UnixAddr:
		return sockAddr{unix: a}
	}
	return sockAddr{}
}

// netAddr returns a as a *net.TCPAddr or *net.UnixAddr, or nil when it is
// not known.
func (a sockAddr) netAddr() net.Addr {
	if a.unix != nil {
		return a.unix
	}
	return tcpAddr(a.ap)
}

// tcpAddr makes the *net.TCPAddr of ap, or returns nil when ap is not valid.
func tcpAddr(ap netip.AddrPort) net.Addr {
	if !ap.IsValid() {
		return nil
	}
	return net.TCPAddrFromAddrPort(ap)
}

// setAddrs records the connection's two ends, before it is published.
func (c *Conn) setAddrs(local, remote sockAddr) {
	c.local, c.remote = local.ap, remote.ap
	if local.unix != nil || remote.unix != nil {
		x := c.rare()
		x.localUnix, x.remoteUnix = local.unix, remote.unix
	}
}
