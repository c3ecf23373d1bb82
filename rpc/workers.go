package rpc

import "sync"

// workers runs the calls that a connection's reader cannot run itself
// (TLS connections: a conn.Conn hands its reading off instead, and runs the
// call where it was read) on a pool of goroutines that wait for the next
// call when done, the most recently idle first: a goroutine made for each
// call (go) grew its stack anew each time, which cost 13 % of a busy
// server's CPU (runtime.newstack under frame.StartTTHeader; pprof of
// bench/rpc, 2026-12-04).
type workers struct {
	mu     sync.Mutex
	idle   []chan *serverCall
	closed bool
}

// maxIdleWorkers caps the goroutines kept waiting; more exit when done.
const maxIdleWorkers = 1024

// run hands c to an idle worker, or to a new one.
func (w *workers) run(c *serverCall) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		ch := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		ch <- c
		return
	}
	w.mu.Unlock()
	go w.work(c)
}

func (w *workers) work(c *serverCall) {
	var ch chan *serverCall
	for c != nil {
		c.runAsync()
		w.mu.Lock()
		if w.closed || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		if ch == nil {
			ch = make(chan *serverCall, 1)
		}
		w.idle = append(w.idle, ch)
		w.mu.Unlock()
		c = <-ch
	}
}

// stop ends the workers, once no call runs: the idle ones now, the ones
// between their last call and parking when they next take the lock.
func (w *workers) stop() {
	w.mu.Lock()
	idle := w.idle
	w.idle, w.closed = nil, true
	w.mu.Unlock()
	for _, ch := range idle {
		ch <- nil
	}
}
