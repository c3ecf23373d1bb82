package poller

import (
	"container/heap"
	"time"
)

// A Timer runs a function on its loop at a time. Timers are a heap per loop
// that sets the wait's timeout: a loop with no timer pays nothing for them.
// Their resolution is the backend's wait: a millisecond for epoll.
type Timer struct {
	loop  *Loop
	when  time.Time
	seq   uint64 // timers due at the same time fire in the order they were set
	fn    func()
	index int // in the heap; -1 when not in it
}

// AfterFunc runs fn on the loop once d has passed. Call it on the loop.
func (l *Loop) AfterFunc(d time.Duration, fn func()) *Timer {
	l.timerSeq++
	t := &Timer{loop: l, when: time.Now().Add(d), seq: l.timerSeq, fn: fn, index: -1}
	heap.Push(&l.timers, t)
	return t
}

// Stop cancels t and reports whether it had not yet fired. Call it on the
// loop.
func (t *Timer) Stop() bool {
	if t.index < 0 {
		return false
	}
	t.loop.timers.remove(t)
	return true
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func (h *timerHeap) remove(t *Timer) { heap.Remove(h, t.index) }
