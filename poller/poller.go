package poller

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Backend names an implementation of the loops.
type Backend int

const (
	// Auto picks io_uring where Probe says it works, and epoll elsewhere.
	Auto Backend = iota
	// Epoll uses epoll(7) readiness and non-blocking system calls.
	Epoll
	// IOUring uses io_uring(7) completions.
	IOUring
)

func (b Backend) String() string {
	switch b {
	case Auto:
		return "auto"
	case Epoll:
		return "epoll"
	case IOUring:
		return "io_uring"
	}
	return fmt.Sprintf("Backend(%d)", int(b))
}

// Options configure a Poller. The zero value is ready to use.
type Options struct {
	// Loops is the number of event loops; 0 means runtime.GOMAXPROCS(0).
	Loops int
	// Backend selects the implementation; Auto by default.
	Backend Backend
	// SendZCThreshold, when positive, makes the io_uring backend send
	// sends of at least this many bytes with zero-copy sendmsg: the
	// kernel transmits from the caller's memory, and OnSend comes only once
	// the kernel has let go of it. It can pay for large payloads to a
	// network device. On loopback it does not: a 16 KiB framed echo cost
	// 13.5-18.8 us of server CPU per message with it against 9.8-10.2
	// without (3 runs, Go 1.26.8, Linux 6.18; bench/echo server
	// ringwire-iouring-zc), so it is off by default. Ignored by epoll.
	SendZCThreshold int
}

// Stats are one loop's counters since it started. The loop keeps them as
// plain fields, with no synchronisation on its hot path; Loop.Stats copies
// them on the loop.
type Stats struct {
	Syscalls    uint64 // system calls the loop made, io_uring_enter included
	Enters      uint64 // io_uring_enter calls (io_uring backend)
	Submissions uint64 // submission queue entries (io_uring backend)
	Completions uint64 // completions delivered to Handlers
	Wakeups     uint64 // eventfd writes that woke this loop
	BytesIn     uint64 // bytes received
	BytesOut    uint64 // bytes sent
	BufferWaits uint64 // receives that waited for a buffer to come back (io_uring)
}

// Poller owns a set of event loops.
type Poller struct {
	loops   []*Loop
	backend Backend
	opts    Options
	next    atomic.Uint32
	wg      sync.WaitGroup
	closing sync.Once
}

// New starts a Poller's loops and returns once they run.
func New(opts Options) (*Poller, error) {
	n := opts.Loops
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	backend, err := choose(opts.Backend)
	if err != nil {
		return nil, err
	}
	p := &Poller{backend: backend, opts: opts}
	for i := range n {
		l, err := newLoop(p, i, backend)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("poller: starting loop %d on %s: %w", i, backend, err)
		}
		started := make(chan error, 1)
		p.wg.Add(1)
		go l.run(&p.wg, started)
		if err := <-started; err != nil {
			p.Close()
			return nil, fmt.Errorf("poller: starting loop %d on %s: %w", i, backend, err)
		}
		p.loops = append(p.loops, l)
	}
	return p, nil
}

// choose resolves Auto and checks that the backend asked for works here.
func choose(b Backend) (Backend, error) {
	switch b {
	case Auto:
		if !forceEpoll && Probe().IOUring {
			return IOUring, nil
		}
		return choose(Epoll)
	case Epoll:
		if !epollSupported {
			return 0, ErrUnsupported
		}
		return Epoll, nil
	case IOUring:
		if c := Probe(); !c.IOUring {
			return 0, fmt.Errorf("%w: %s", ErrUnsupported, c.Reason)
		}
		return IOUring, nil
	}
	return 0, fmt.Errorf("poller: unknown backend %v", b)
}

// Backend reports which backend the loops run, Auto resolved.
func (p *Poller) Backend() Backend { return p.backend }

// Loops returns the loops, to pick one by the caller's own rule.
func (p *Poller) Loops() []*Loop { return p.loops }

// Next returns the loops in turn: round-robin, the default way to spread
// connections over them.
func (p *Poller) Next() *Loop {
	return p.loops[int(p.next.Add(1)-1)%len(p.loops)]
}

// Close stops every loop: each closes the Handles registered on it (their
// operations complete with ErrClosed, then Handler.OnClose runs), then its
// own descriptors. Close returns when every loop goroutine has exited.
func (p *Poller) Close() error {
	var errs []error
	p.closing.Do(func() {
		for _, l := range p.loops {
			l.stop()
		}
		p.wg.Wait()
		for _, l := range p.loops {
			if l.err != nil {
				errs = append(errs, l.err)
			}
		}
	})
	return errors.Join(errs...)
}
