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
