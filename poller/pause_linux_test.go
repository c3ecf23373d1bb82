package poller_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
)

// pauser pauses on its first chunk and counts chunks delivered while paused.
type pauser struct {
	nop
	mu          sync.Mutex
	paused      bool
	first       int
	whilePaused int
	bytesPaused int
}

func (r *pauser) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	defer c.Release()
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paused {
		r.whilePaused++
		r.bytesPaused += len(c.Data)
		return
	}
	r.first = len(c.Data)
	r.paused = true
	if err := h.PauseRecv(); err != nil {
		panic(err)
	}
}

// PauseRecv "stops delivering data until ResumeRecv".
func TestPauseInsideOnRecv(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		c, sfd := tcpPair(t)
		l := p.Loops()[0]
		r := &pauser{}
		c.Write(make([]byte, 1<<20)) // queued before the receive starts
		time.Sleep(50 * time.Millisecond)
		var h *poller.Handle
		on(t, l, func() { h, _ = l.Register(sfd, r); h.Recv() })
		time.Sleep(200 * time.Millisecond)
		on(t, l, func() {})
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.whilePaused > 0 {
			t.Errorf("first chunk %d bytes, then %d chunks (%d bytes) delivered after PauseRecv", r.first, r.whilePaused, r.bytesPaused)
		}
		on(t, l, func() { h.Close() })
	})
}

// repauser pauses on every chunk and resumes a millisecond later, counting
// chunks delivered while paused and the bytes received.
type repauser struct {
	nop
	mu          sync.Mutex
	paused      bool
	whilePaused int
	bytes       int
}

func (r *repauser) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	defer c.Release()
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bytes += len(c.Data)
	if r.paused {
		r.whilePaused++
		return
	}
	r.paused = true
	h.PauseRecv()
	h.Loop().AfterFunc(time.Millisecond, func() {
		r.mu.Lock()
		r.paused = false
		r.mu.Unlock()
		h.ResumeRecv()
	})
}

// After ResumeRecv, what io_uring kept while paused is delivered in order;
// a delivery that pauses again stops the rest until the next resume.
func TestPauseAgainAfterResume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		c, sfd := tcpPair(t)
		l := p.Loops()[0]
		r := &repauser{}
		const total = 4 << 20
		go c.Write(make([]byte, total))
		var h *poller.Handle
		on(t, l, func() { h, _ = l.Register(sfd, r); h.Recv() })
		deadline := time.Now().Add(20 * time.Second)
		for {
			r.mu.Lock()
			n := r.bytes
			r.mu.Unlock()
			if n >= total || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		on(t, l, func() { h.Close() })
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.bytes != total || r.whilePaused > 0 {
			t.Errorf("received %d of %d bytes; %d chunks delivered while paused", r.bytes, total, r.whilePaused)
		}
	})
}
