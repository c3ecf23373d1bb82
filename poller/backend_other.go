//go:build !linux

package poller

// Neither epoll nor io_uring exists here: New returns ErrUnsupported, and
// ringwire's upper layers fall back to the standard library's net.

const epollSupported = false

func newBackend(*Loop, Backend) (backend, error) { return nil, ErrUnsupported }
