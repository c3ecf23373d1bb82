package poller

import "errors"

// Errors returned by this package, and passed to Handler methods.
var (
	// ErrClosed completes every operation in flight on a Handle that is
	// closed, and is returned by operations asked of it afterwards.
	ErrClosed = errors.New("poller: handle closed")

	// ErrPollerClosed is returned by Post and Register after Close.
	ErrPollerClosed = errors.New("poller: poller closed")

	// ErrBusy is returned by Send while a send is in flight, and by Connect
	// while a connect is: one of each at a time keeps the byte order.
	ErrBusy = errors.New("poller: operation already in flight")

	// ErrUnsupported is returned by New where no backend works: on systems
	// other than Linux, or when Options.Backend names one the kernel lacks.
	ErrUnsupported = errors.New("poller: backend not supported here")
)
