package poller

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is work posted to a loop. A type that implements it can be posted
// without an allocation per post, unlike a closure.
type Task interface{ Run() }

// TaskFunc adapts a function to Task.
type TaskFunc func()

// Run calls f.
func (f TaskFunc) Run() { f() }

// A Loop is one event loop: a goroutine locked to its OS thread, the
// Handles registered on it, its timers and its posted tasks.
type Loop struct {
	poller *Poller
	id     int
	be     backend

	// Posted tasks: any goroutine appends under mu; the loop swaps the slice.
	mu      sync.Mutex
	tasks   []Task
	spare   []Task
	stopped bool // no more posts
	closing bool // shutdown has begun: no more wake-ups
	final   Stats
	// sleeping is set while the loop is about to wait or waiting; a poster
	// that swaps it from true writes the wake-up, so one wake-up covers any
	// number of posts.
	sleeping atomic.Bool

	// Loop-owned state.
	handles  []*Handle // by slot; nil where free
	gens     []uint32  // generation of each slot, bumped when it is freed
	free     []uint32  // free slots
	done     []completion
	sends    []*sendState // idle send states, lent to a Handle per send
	timers   timerHeap
	timerSeq uint64
	stats    Stats
	quit     bool
	err      error // why the loop stopped, if not by Close
}

func newLoop(p *Poller, id int, b Backend) (*Loop, error) {
	l := &Loop{poller: p, id: id}
	be, err := newBackend(l, b)
	if err != nil {
		return nil, err
	}
	l.be = be
	return l, nil
}

// ID is the loop's index in Poller.Loops.
func (l *Loop) ID() int { return l.id }

// Post runs t on the loop, after the tasks posted before it. Any goroutine
// may call it. It returns ErrPollerClosed once the poller is closing.
func (l *Loop) Post(t Task) error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return ErrPollerClosed
	}
	l.tasks = append(l.tasks, t)
	l.mu.Unlock()
	if l.sleeping.Load() && l.sleeping.Swap(false) {
		// Under the lock again: the loop may have stopped and closed its
		// eventfd since the append.
		l.wakeIfRunning()
	}
	return nil
}

// PostFunc runs f on the loop, as Post.
func (l *Loop) PostFunc(f func()) error { return l.Post(TaskFunc(f)) }

// Stats returns a copy of the loop's counters, taken on the loop. Call it
// from any goroutine but the loop's own, where it would wait for itself: use
// LocalStats there. After Close it returns the counters as the loop left
// them.
func (l *Loop) Stats() Stats {
	ch := make(chan Stats, 1)
	if err := l.PostFunc(func() { ch <- l.stats }); err != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.final
	}
	return <-ch
}

// LocalStats returns the loop's counters. Call it on the loop: from a
// Handler, a timer or a posted task.
func (l *Loop) LocalStats() Stats { return l.stats }

// wakeIfRunning wakes the loop unless its shutdown has begun, after which
// the wake-up descriptor may be closed (and its number reused). Any
// goroutine may call it.
func (l *Loop) wakeIfRunning() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closing {
		l.be.wake()
	}
}

// stop asks the loop to exit after the tasks posted so far.
func (l *Loop) stop() {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return
	}
	l.tasks = append(l.tasks, TaskFunc(func() { l.quit = true }))
	l.stopped = true
	l.mu.Unlock()
	if l.sleeping.Swap(false) {
		l.wakeIfRunning()
	}
}

// run is the loop's goroutine. It reports the backend's start on started.
func (l *Loop) run(wg *sync.WaitGroup, started chan<- error) {
	defer wg.Done()
	if err := l.be.start(); err != nil {
		l.mu.Lock()
		l.stopped, l.closing = true, true
		l.mu.Unlock()
		l.be.close()
		started <- err
		return
	}
	started <- nil
	for !l.quit {
		l.runTasks()
		l.runDone()
		timeout := l.runTimers()
		if timeout != 0 {
			// Before blocking, yield: goroutines this iteration readied (a
			// conn server's handlers) run now, on this P, and what they
			// post is found below without a wake-up. Blocked in the wait
			// syscall instead, the loop holds its P until the runtime takes
			// it back, and every hand-off costs a thread switch and an
			// eventfd write. Measured on the conn framed echo, 1 KiB x 50
			// connections, GOMAXPROCS=1 (Go 1.26.8, Linux 6.18), server CPU
			// over the C floor's, three interleaved pairs without/with:
			// on-request epoll 2.65/3.46/2.58x -> 1.13/1.55/1.01x,
			// on-request io_uring 1.98/1.66x -> 1.18/1.13x, inline epoll
			// 1.27/1.41x -> 1.12/1.11x.
			runtime.Gosched()
			l.runTasks()
			l.runDone()
			timeout = l.runTimers()
		}
		if timeout != 0 {
			// Announce the sleep, then look again: a post that came before
			// the announcement is seen here, one after it sees the flag.
			l.sleeping.Store(true)
			l.mu.Lock()
			pending := len(l.tasks) > 0
			l.mu.Unlock()
			if pending || len(l.done) > 0 || l.quit {
				timeout = 0
			}
		}
		if err := l.be.wait(timeout); err != nil {
			l.err = err
			l.quit = true
		}
		l.sleeping.Store(false)
	}
	l.shutdown()
}

// runTasks runs the tasks posted so far; tasks they post run next round.
func (l *Loop) runTasks() {
	l.mu.Lock()
	tasks := l.tasks
	l.tasks, l.spare = l.spare[:0], nil
	l.mu.Unlock()
	for i, t := range tasks {
		t.Run()
		tasks[i] = nil
		l.runDone()
	}
	l.mu.Lock()
	if l.spare == nil {
		l.spare = tasks[:0]
	}
	l.mu.Unlock()
}

// runTimers fires the timers that are due and returns how long the loop may
// wait: -1 for no limit, else milliseconds, rounded up.
func (l *Loop) runTimers() time.Duration {
	if len(l.timers) == 0 {
		return -1
	}
	now := time.Now()
	for len(l.timers) > 0 {
		t := l.timers[0]
		if t.when.After(now) {
			return max(t.when.Sub(now), time.Millisecond)
		}
		l.timers.remove(t)
		t.fn()
		l.runDone()
	}
	return -1
}

// shutdown closes every Handle and the backend, and records the final stats.
func (l *Loop) shutdown() {
	l.mu.Lock()
	l.stopped, l.closing = true, true // no posts, no wake-ups: the eventfd is about to close
	l.mu.Unlock()
	for _, h := range l.handles {
		if h != nil {
			h.Close()
		}
	}
	l.runDone()
	l.timers = nil
	if err := l.be.close(); err != nil && l.err == nil {
		l.err = err
	}
	l.mu.Lock()
	l.final = l.stats
	l.mu.Unlock()
}

// Register starts watching fd, which the loop makes non-blocking, for the
// operations asked of the returned Handle. Call it on the loop. The Handle
// owns fd from now on: its Close closes it.
func (l *Loop) Register(fd int, h Handler) (*Handle, error) {
	if l.quit {
		return nil, ErrPollerClosed
	}
	var slot uint32
	if n := len(l.free); n > 0 {
		slot = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		slot = uint32(len(l.handles))
		l.handles = append(l.handles, nil)
		l.gens = append(l.gens, 0)
	}
	hd := &Handle{loop: l, fd: fd, slot: slot, gen: l.gens[slot], handler: h}
	if err := l.be.add(hd); err != nil {
		l.free = append(l.free, slot)
		return nil, err
	}
	l.handles[slot] = hd
	return hd, nil
}

// lookup returns the live Handle a backend token names, or nil for a token
// of a Handle since closed: a late event must never reach a slot's new owner.
func (l *Loop) lookup(tok uint64) *Handle {
	slot, gen := uint32(tok), uint32(tok>>32)
	if int(slot) >= len(l.handles) || l.gens[slot] != gen {
		return nil
	}
	return l.handles[slot]
}

// maxIdleSends bounds the send states a loop keeps between sends: more than
// this many sends in flight at once is a burst, and its extra states go to
// the garbage collector.
const maxIdleSends = 1024

// lendSend returns a send state for a Handle's next send.
func (l *Loop) lendSend() *sendState {
	if n := len(l.sends); n > 0 {
		s := l.sends[n-1]
		l.sends = l.sends[:n-1]
		return s
	}
	return new(sendState)
}

// returnSend takes back a finished send's state.
func (l *Loop) returnSend(s *sendState) {
	clear(s.bufs)
	s.bufs, s.sent = s.bufs[:0], 0
	s.ring.reset()
	if len(l.sends) < maxIdleSends {
		l.sends = append(l.sends, s)
	}
}

// release frees h's slot, bumping its generation.
func (l *Loop) release(h *Handle) {
	l.handles[h.slot] = nil
	l.gens[h.slot]++
	l.free = append(l.free, h.slot)
}

// A completion is a Handler call deferred until the current one returns, so
// that a Handler that sends or closes is never re-entered.
type completion struct {
	h     *Handle
	op    op
	n     int
	chunk Chunk
	err   error
}

func (l *Loop) enqueue(c completion) { l.done = append(l.done, c) }

// runDone delivers deferred completions, including those they cause.
func (l *Loop) runDone() {
	for i := 0; i < len(l.done); i++ {
		c := l.done[i]
		l.done[i] = completion{}
		c.h.deliver(c)
	}
	l.done = l.done[:0]
}
