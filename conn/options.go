package conn

import "time"

// Options are the settings every connection has, from a Server or from Dial.
// The zero value gives the defaults.
type Options struct {
	// MaxBuffered is how many received bytes the connection may hold, unread
	// or read and not yet released, before it stops receiving (backpressure:
	// the rest waits in the kernel, then in the peer); it resumes below
	// half. A reader waiting for more bytes than have arrived is still
	// served. 0 means 64 KiB.
	MaxBuffered int

	// WriteHighWater is how many flushed bytes may wait to be sent before
	// Flush waits for them to drain below half, or, with WriteFailFast,
	// refuses with ErrWouldBlock. Past it the connection also stops
	// receiving: a peer that does not read its replies cannot make the
	// server queue them without end. 0 means 64 KiB.
	//
	// Both defaults are small on purpose: the kernel's socket buffers
	// (autotuned to megabytes) keep a connection's pipe full on their own,
	// and what a server queues in user space it holds for every
	// connection at once. With 4 MiB, 1,000 clients that wrote requests
	// and read replies slowly grew a server by 1.4 GB in 5 s (bench/echo
	// -mode slowread).
	WriteHighWater int
	WriteFailFast  bool

	// TCPDelay keeps Nagle's algorithm on. By default TCP_NODELAY is set, as
	// request-response protocols want.
	TCPDelay bool

	// KeepAlive is the TCP keep-alive period: 0 means 15 s, as Go's net
	// package; negative turns keep-alives off.
	KeepAlive time.Duration

	// Linger is how long a closed connection keeps sending what was flushed
	// before it closes anyway. 0 means 5 s.
	Linger time.Duration
}

const defaultQueue = 64 << 10

func (o *Options) maxBuffered() int    { return orDefault(o.MaxBuffered, defaultQueue) }
func (o *Options) writeHighWater() int { return orDefault(o.WriteHighWater, defaultQueue) }

func (o *Options) linger() time.Duration {
	if o.Linger <= 0 {
		return 5 * time.Second
	}
	return o.Linger
}

func (o *Options) keepAlive() time.Duration {
	if o.KeepAlive == 0 {
		return 15 * time.Second
	}
	return o.KeepAlive
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
