package rpc

import (
	"sync"
	"time"
)

// pool keeps a Pooled client's idle connections: the newest reused first,
// at most perAddr per address and max in all, each closed once idle for
// longer than timeout.
type pool struct {
	perAddr, max int
	timeout      time.Duration
	// epoch is the pool's zero time. A connection's idle time is kept as
	// the duration since epoch, which reads only the monotonic clock: a
	// time.Now per get and put read both clocks, and clock_gettime was the
	// client's largest user-space symbol (2 % of its CPU; perf of
	// bench/rpc, pooled, 2026-12-04).
	epoch time.Time

	mu     sync.Mutex
	idle   map[string][]*clientConn // oldest first
	n      int
	timer  *time.Timer // runs sweep while connections are idle
	closed bool
}

func newPool(perAddr, max int, timeout time.Duration) *pool {
	return &pool{perAddr: perAddr, max: max, timeout: timeout, epoch: time.Now(), idle: make(map[string][]*clientConn)}
}

// get takes the newest usable idle connection to addr, or returns nil.
func (p *pool) get(addr string) *clientConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[addr]
	for len(list) > 0 {
		cn := list[len(list)-1]
		list[len(list)-1] = nil
		list = list[:len(list)-1]
		p.n--
		if cn.usable() && p.now()-cn.since < p.timeout {
			p.idle[addr] = list
			return cn
		}
		cn.close()
	}
	delete(p.idle, addr)
	return nil
}

// put returns a connection after a call; one over the limits is closed.
func (p *pool) put(addr string, cn *clientConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[addr]
	if p.closed || len(list) >= p.perAddr || p.n >= p.max || !cn.usable() {
		cn.close()
		return
	}
	cn.since = p.now()
	p.idle[addr] = append(list, cn)
	p.n++
	if p.timer == nil {
		p.timer = time.AfterFunc(p.timeout, p.sweep)
	}
}

// sweep closes the connections idle for longer than the timeout, and
// runs again while any are left.
func (p *pool) sweep() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.timer = nil
	if p.closed {
		return
	}
	now := p.now()
	next := p.timeout
	for addr, list := range p.idle {
		i := 0
		for i < len(list) && now-list[i].since >= p.timeout {
			list[i].close()
			list[i] = nil
			i++
		}
		p.n -= i
		if i == len(list) {
			delete(p.idle, addr)
			continue
		}
		p.idle[addr] = list[i:]
		if d := p.timeout - (now - list[i].since); d < next {
			next = d
		}
	}
	if p.n > 0 {
		p.timer = time.AfterFunc(next, p.sweep)
	}
}

// now is the time since the pool's epoch.
func (p *pool) now() time.Duration { return time.Since(p.epoch) }

// close closes every idle connection; later puts close theirs.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	for addr, list := range p.idle {
		for _, cn := range list {
			cn.close()
		}
		delete(p.idle, addr)
	}
	p.n = 0
}

// idleCount reports the idle connections, for tests.
func (p *pool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
