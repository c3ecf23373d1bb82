package poller

import (
	"testing"

	"golang.org/x/sys/unix"
)

type nopHandler struct{}

func (nopHandler) OnAccept(*Handle, int, error) {}
func (nopHandler) OnRecv(*Handle, Chunk, error) {}
func (nopHandler) OnSend(*Handle, int, error)   {}
func (nopHandler) OnConnect(*Handle, error)     {}
func (nopHandler) OnClose(*Handle)              {}

// A token of a closed Handle never reaches the slot's next owner: what keeps
// a late event or completion for a closed descriptor from landing on a new one.
func TestLateTokenAfterSlotReuse(t *testing.T) {
	p, err := New(Options{Loops: 1, Backend: Epoll})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	l := p.Loops()[0]
	done := make(chan struct{})
	l.PostFunc(func() {
		defer close(done)
		fds, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		a, _ := l.Register(fds[0], nopHandler{})
		old := a.token()
		a.Close()
		b, _ := l.Register(fds[1], nopHandler{})
		if b.slot != a.slot {
			t.Errorf("slot not reused: %d then %d", a.slot, b.slot)
		}
		if l.lookup(old) != nil {
			t.Error("the closed Handle's token still names a Handle")
		}
		if l.lookup(b.token()) != b {
			t.Error("the new Handle's token does not name it")
		}
		b.Close()
	})
	<-done
}
