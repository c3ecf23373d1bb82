package poller_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
)

// hoarder keeps every chunk; the test releases them.
type hoarder struct {
	nop
	mu     sync.Mutex
	held   []poller.Chunk
	chunks int
}

func (r *hoarder) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	if err != nil {
		return
	}
	r.mu.Lock()
	r.held = append(r.held, c)
	r.chunks++
	r.mu.Unlock()
}
func (r *hoarder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return r.chunks }

// After the receive starves for buffers, releasing a few (fewer than
// ringPublished) chunks must let the receive resume.
func TestStarvedRecvResumesAfterFewReleases(t *testing.T) {
	requireBackend(t, poller.IOUring) // epoll's chunks come from an unbounded pool
	p, err := poller.New(poller.Options{Loops: 1, Backend: poller.IOUring})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, sfd := tcpPair(t)
	r := &hoarder{}
	l := p.Loops()[0]
	var h *poller.Handle
	on(t, l, func() { h, _ = l.Register(sfd, r); h.Recv() })
	go func() {
		b := make([]byte, 4096) // small writes: one chunk each, roughly
		for {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}()
	// Wait until the receive starved and the data stopped.
	last, stable := -1, 0
	for stable < 5 {
		time.Sleep(100 * time.Millisecond)
		n := r.count()
		if n == last && l.Stats().BufferWaits > 0 {
			stable++
		} else {
			stable = 0
		}
		last = n
	}
	t.Logf("starved after %d chunks, BufferWaits=%d", last, l.Stats().BufferWaits)
	// Release 8 chunks, one at a time, from this goroutine.
	r.mu.Lock()
	rel := r.held[:8]
	r.held = r.held[8:]
	r.mu.Unlock()
	for _, ch := range rel {
		ch.Release()
		time.Sleep(10 * time.Millisecond)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && r.count() == last {
		time.Sleep(10 * time.Millisecond)
	}
	if got := r.count(); got == last {
		t.Fatalf("released 8 buffers, but no chunk arrived in 3 s (still %d chunks); the starved receive was never re-armed", got)
	}
	r.mu.Lock()
	for _, ch := range r.held {
		ch.Release()
	}
	r.held = nil
	r.mu.Unlock()
	c.Close()
	on(t, l, func() { h.Close() })
}
