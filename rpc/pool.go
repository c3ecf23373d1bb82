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

	mu     sync.Mutex
	idle   map[string][]*clientConn // oldest first
	n      int
	timer  *time.Timer // runs sweep while connections are idle
	closed bool
}

func newPool(perAddr, max int, timeout time.Duration) *pool {
	return &pool{perAddr: perAddr, max: max, timeout: timeout, idle: make(map[string][]*clientConn)}
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
		if cn.usable() && time.Since(cn.since) < p.timeout {
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
	cn.since = time.Now()
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
	now := time.Now()
	next := p.timeout
	for addr, list := range p.idle {
		i := 0
		for i < len(list) && now.Sub(list[i].since) >= p.timeout {
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
		if d := p.timeout - now.Sub(list[i].since); d < next {
			next = d
		}
	}
	if p.n > 0 {
		p.timer = time.AfterFunc(next, p.sweep)
	}
}

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
