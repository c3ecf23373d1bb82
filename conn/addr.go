package conn

import (
	"net"
	"net/netip"
)

// sockAddr is one end of a connection, kept by value: a TCP address costs a
// connection no allocation (two *net.TCPAddr did: 125 bytes of its 0.8 KB
// when idle), and a net.Addr is made when one is asked for.
type sockAddr struct {
	ap   netip.AddrPort // a TCP address
	unix *net.UnixAddr  // a Unix socket's name, else nil
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
	switch {
	case a.unix != nil:
		return a.unix
	case a.ap.IsValid():
		return net.TCPAddrFromAddrPort(a.ap)
	}
	return nil
}
