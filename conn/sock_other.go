//go:build !linux

package conn

import (
	"net"

	"github.com/ringwire/ringwire/poller"
)

// Off Linux the poller does not run (poller.New returns ErrUnsupported), so
// no descriptor ever reaches these.

func dupListener(net.Listener) (int, error)              { return -1, poller.ErrUnsupported }
func listenReusePort(string, string, int) ([]int, error) { return nil, poller.ErrUnsupported }
func socketFor(net.Addr) (int, error)                    { return -1, poller.ErrUnsupported }
func tune(int, *Options)                                 {}
func closeFD(int)                                        {}
func sockName(int) sockAddr                              { return sockAddr{} }
func peerName(int) sockAddr                              { return sockAddr{} }
