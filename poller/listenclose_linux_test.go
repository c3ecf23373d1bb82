package poller_test

import (
	"net"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
)

// Poller.Close closes a listener with a continuing accept: a connect after
// it is refused, not queued on a socket that some request still holds.
func TestListenerClosedWithPoller(t *testing.T) {
	for range 10 {
		forEachBackend(t, func(t *testing.T, p *poller.Poller) {
			lfd, addr := listen(t)
			l := p.Loops()[0]
			on(t, l, func() {
				h, _ := l.Register(lfd, &recorder{ev: newEvents()})
				h.Accept()
			})
			for range 5 {
				if c, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
					c.Close()
				}
			}
			p.Close()
			if c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second); err == nil {
				c.Close()
				t.Fatal("the listener still accepts after Close")
			}
		})
	}
}
