package rpc

import (
	"context"
	"errors"
	"sync"

	"github.com/ringwire/ringwire/frame"
)

// muxConn is a Mux client's connection: calls write their requests under
// wmu and wait; one reader goroutine matches each reply to its call by the
// TTHeader sequence id and decodes it into the call's response.
type muxConn struct {
	c    *Client
	cn   *clientConn
	wmu  sync.Mutex
	done chan struct{} // closed when the reader has returned

	mu       sync.Mutex
	pending  map[int32]*muxCall
	err      error // why it failed: no more calls
	draining bool  // the server said crrst: no new calls, close when idle
}

// muxCall is a call waiting for its reply.
type muxCall struct {
	ctx  context.Context
	info *Info
	resp any
	done chan error // buffered: the reader never waits
}

// muxSlot holds one of an address's mux connections; its lock makes
// concurrent calls that find it broken wait for one dial.
type muxSlot struct {
	mu sync.Mutex
	mc *muxConn
}

func (c *Client) invokeMux(ctx context.Context, info *Info, addr string, req, resp any) error {
	mc, err := c.muxConn(ctx, addr, int(uint32(info.SeqID)))
	if err != nil {
		return err
	}
	info.Peer = mc.cn.peer
	bp := requestBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledReply {
			*bp = (*bp)[:0]
			requestBufs.Put(bp)
		}
	}()
	b, err := c.appendRequest((*bp)[:0], ctx, info, req)
	*bp = b
	if err != nil {
		return err
	}
	var call *muxCall
	if !info.Oneway {
		call = &muxCall{ctx: ctx, info: info, resp: resp, done: make(chan error, 1)}
		if err := mc.add(info.SeqID, call); err != nil {
			return err
		}
	}
	mc.wmu.Lock()
	_, err = mc.cn.w.Write(b)
	mc.wmu.Unlock()
	if err != nil {
		err = &TransportError{Op: "write", Addr: addr, Err: err}
		mc.fail(err)
		if call != nil {
			return <-call.done
		}
		return err
	}
	if call == nil {
		return nil
	}
	select {
	case err := <-call.done:
		return err
	case <-ctx.Done():
		if mc.remove(info.SeqID) {
			// The reply, if it comes, finds no call and is dropped: the
			// connection stays in step.
			return ctxError(ctx.Err())
		}
		return <-call.done // the reader holds the call: it finishes it
	}
}

// muxConn returns a working mux connection to addr, dialing if needed.
func (c *Client) muxConn(ctx context.Context, addr string, pick int) (*muxConn, error) {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil, ErrClientClosed
	}
	if c.muxes == nil {
		c.muxes = make(map[string][]*muxSlot)
	}
	slots := c.muxes[addr]
	if slots == nil {
		slots = make([]*muxSlot, c.opts.MuxConns)
		for i := range slots {
			slots[i] = new(muxSlot)
		}
		c.muxes[addr] = slots
	}
	slot := slots[pick%len(slots)]
	c.mu.Unlock()

	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.mc != nil && slot.mc.usable() {
		return slot.mc, nil
	}
	cn, err := c.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	mc := &muxConn{c: c, cn: cn, pending: make(map[int32]*muxCall), done: make(chan struct{})}
	slot.mc = mc
	go mc.read()
	if c.closed.Load() { // Close ran while this dialed
		mc.fail(ErrClientClosed)
		return nil, ErrClientClosed
	}
	return mc, nil
}

func (mc *muxConn) usable() bool {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	return mc.err == nil && !mc.draining
}

// add registers a call before its request is written.
func (mc *muxConn) add(seq int32, call *muxCall) error {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.err != nil {
		return mc.err
	}
	mc.pending[seq] = call
	return nil
}

// remove takes a call back, if the reader has not taken it.
func (mc *muxConn) remove(seq int32) bool {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if _, ok := mc.pending[seq]; ok {
		delete(mc.pending, seq)
		return true
	}
	return false
}

// take hands the reader the call of a reply.
func (mc *muxConn) take(seq int32) *muxCall {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	call := mc.pending[seq]
	delete(mc.pending, seq)
	return call
}

// fail ends the connection: every waiting call gets err.
func (mc *muxConn) fail(err error) {
	mc.mu.Lock()
	if mc.err != nil {
		mc.mu.Unlock()
		return
	}
	mc.err = err
	calls := mc.pending
	mc.pending = nil
	mc.mu.Unlock()
	mc.cn.close()
	for _, call := range calls {
		call.done <- err
	}
}

// drain stops new calls on the connection; it closes once the calls on it
// have their replies.
func (mc *muxConn) drain() (idle bool) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	mc.draining = true
	return len(mc.pending) == 0
}

// read is the connection's reader goroutine.
func (mc *muxConn) read() {
	defer close(mc.done)
	c := mc.c
	var h frame.Header
	for {
		_, payload, err := next(mc.cn.w, c.opts.Transport, &h, &c.opts.Limits)
		if err != nil {
			mc.mu.Lock()
			closed := mc.err
			mc.mu.Unlock()
			if closed == nil {
				mc.fail(&TransportError{Op: "read", Addr: mc.cn.addr, Err: err})
			}
			return
		}
		if call := mc.take(h.SeqID); call != nil {
			drop, err := c.readReply(call.ctx, &h, payload, call.info, call.resp)
			call.done <- err
			if drop && errors.Is(err, ErrSeqID) {
				mc.fail(&TransportError{Op: "read", Addr: mc.cn.addr, Err: err})
				return
			}
			if drop && mc.drain() {
				mc.fail(&TransportError{Op: "read", Addr: mc.cn.addr, Err: errors.New("the server reset the connection"), Retryable: true})
				return
			}
		}
		mc.cn.w.Release()
		mc.mu.Lock()
		idle := mc.draining && len(mc.pending) == 0
		mc.mu.Unlock()
		if idle {
			mc.fail(&TransportError{Op: "read", Addr: mc.cn.addr, Err: errors.New("the server reset the connection"), Retryable: true})
			return
		}
	}
}
