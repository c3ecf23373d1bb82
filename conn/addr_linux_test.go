package conn

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// A v4-mapped peer of a dual-stack socket reads as the net package reports
// it: 16 bytes, printed as v4.
func TestMappedAddress(t *testing.T) {
	sa := &unix.SockaddrInet6{Port: 80, Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}}
	a := fromSockaddr(sa).netAddr().(*net.TCPAddr)
	if len(a.IP) != net.IPv6len || a.String() != "127.0.0.1:80" {
		t.Errorf("got %d-byte IP %v", len(a.IP), a)
	}
}
