package conn

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// dupListener returns a duplicate of l's descriptor, which the loop makes
// non-blocking; l itself stays open until Shutdown closes it. Not
// os.File.Fd: it would switch the socket to blocking mode.
func dupListener(l net.Listener) (int, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return -1, errors.New("conn: Serve needs a *net.TCPListener or a *net.UnixListener")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	cerr := rc.Control(func(s uintptr) {
		fd, err = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	})
	if cerr != nil {
		return -1, cerr
	}
	if err != nil {
		return -1, &net.OpError{Op: "dup", Net: l.Addr().Network(), Addr: l.Addr(), Err: err}
	}
	return fd, nil
}

// listenReusePort opens n listening TCP sockets on address with
// SO_REUSEPORT. Port 0 is resolved by the first and reused by the rest.
func listenReusePort(network, address string, n int) ([]int, error) {
	addr, err := net.ResolveTCPAddr(network, address)
	if err != nil {
		return nil, err
	}
	fds := make([]int, 0, n)
	fail := func(err error) ([]int, error) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
	}
	for range n {
		fd, err := socketFor(addr)
		if err != nil {
			return fail(err)
		}
		fds = append(fds, fd)
		for _, opt := range []int{unix.SO_REUSEADDR, unix.SO_REUSEPORT} {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, 1); err != nil {
				return fail(err)
			}
		}
		if err := unix.Bind(fd, sockaddr(addr)); err != nil {
			return fail(err)
		}
		if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
			return fail(err)
		}
		if a := sockName(fd); addr.Port == 0 && a.ap.IsValid() {
			addr = net.TCPAddrFromAddrPort(a.ap) // the port the first got
		}
	}
	return fds, nil
}

// socketFor opens a non-blocking stream socket of addr's family.
func socketFor(addr net.Addr) (int, error) {
	family := unix.AF_UNIX
	if a, ok := addr.(*net.TCPAddr); ok {
		family = unix.AF_INET6
		if a.IP.To4() != nil {
			family = unix.AF_INET
		}
	}
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

func sockaddr(addr net.Addr) unix.Sockaddr {
	switch a := addr.(type) {
	case *net.TCPAddr:
		if ip4 := a.IP.To4(); ip4 != nil {
			return &unix.SockaddrInet4{Port: a.Port, Addr: [4]byte(ip4)}
		}
		sa := &unix.SockaddrInet6{Port: a.Port}
		copy(sa.Addr[:], a.IP.To16())
		return sa
	case *net.UnixAddr:
		return &unix.SockaddrUnix{Name: a.Name}
	}
	return nil
}

// tune sets the TCP options; on a Unix socket they fail, harmlessly.
func tune(fd int, o *Options) {
	if !o.TCPDelay {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if ka := o.keepAlive(); ka > 0 {
		secs := int(max(ka/time.Second, 1))
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs)
	}
}

func closeFD(fd int) { unix.Close(fd) }

func sockName(fd int) sockAddr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return sockAddr{}
	}
	return fromSockaddr(sa)
}

func peerName(fd int) sockAddr {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return sockAddr{}
	}
	return fromSockaddr(sa)
}

func fromSockaddr(sa unix.Sockaddr) sockAddr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return sockAddr{ap: netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))}
	case *unix.SockaddrInet6:
		// As the net package reports them: a v4-mapped address as the 16
		// bytes it is (net.IP prints it as v4), a zone by its interface's
		// name (looked up at each accept: link-local peers are rare).
		ip := netip.AddrFrom16(a.Addr)
		if a.ZoneId != 0 && ip.Is6() {
			zone := strconv.Itoa(int(a.ZoneId))
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				zone = ifi.Name
			}
			ip = ip.WithZone(zone)
		}
		return sockAddr{ap: netip.AddrPortFrom(ip, uint16(a.Port))}
	case *unix.SockaddrUnix:
		return sockAddr{unix: &net.UnixAddr{Name: a.Name, Net: "unix"}}
	}
	return sockAddr{}
}
