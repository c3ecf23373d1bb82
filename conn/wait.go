package conn

import (
	"sync"
	"sync/atomic"
	"time"
)

// A waiter is what a goroutine blocked in a read or a flush sleeps on. It is
// pooled, not kept per connection: an idle connection holds no channel and no
// timer, and a connection whose calls never wait never makes one.
type waiter struct {
	ch    chan struct{} // capacity 1: the wake-up
	timer *time.Timer   // made at the first wait with a deadline
}

var waiters = sync.Pool{New: func() any { return &waiter{ch: make(chan struct{}, 1)} }}

// park waits, with mu released, until ready reports true after a wake-up, or
// until deadline (unix nanoseconds, 0 for none) passes: then ErrTimeout. It
// publishes a waiter in slot; wake takes it from there and signals it, so
// exactly one wake-up reaches each waiter, and a waiter taken by wake is
// returned to the pool only after its signal has been received.
//
// A deadline uses a runtime timer rather than the loop's: a deadline is set
// per call by RPC code, and arming a loop timer from another goroutine costs a
// post, and a wake-up of a sleeping loop, per call.
func park(slot *atomic.Pointer[waiter], mu *sync.Mutex, deadline int64, ready func() bool) error {
	w := waiters.Get().(*waiter)
	slot.Store(w)
	if ready() {
		w.done(slot)
		return nil
	}
	if deadline == 0 {
		// No deadline: a plain receive, which costs less than a select.
		mu.Unlock()
		<-w.ch
		mu.Lock()
		waiters.Put(w)
		return nil
	}
	d := time.Duration(deadline - time.Now().UnixNano())
	if d <= 0 {
		if w.done(slot) {
			return ErrTimeout
		}
		return nil
	}
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	mu.Unlock()
	defer mu.Lock()
	select {
	case <-w.ch:
		w.timer.Stop()
		waiters.Put(w)
		return nil
	case <-w.timer.C:
		if w.done(slot) {
			return ErrTimeout
		}
		return nil
	}
}

// done withdraws w from slot and pools it. It reports false when a wake-up
// took w first: then it has waited for that wake-up's signal.
func (w *waiter) done(slot *atomic.Pointer[waiter]) bool {
	withdrawn := slot.CompareAndSwap(w, nil)
	if !withdrawn {
		<-w.ch
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	waiters.Put(w)
	return withdrawn
}

// wake signals the goroutine parked in slot, if any.
func wake(slot *atomic.Pointer[waiter]) {
	if w := slot.Load(); w != nil && slot.CompareAndSwap(w, nil) {
		w.ch <- struct{}{}
	}
}
