// Package gnetecho is the framed-echo server on github.com/panjf2000/gnet/v2,
// shared by the gnet servers: one event loop (WithMulticore(false));
// OnTraffic peeks every complete frame and copies it. On the loop (server
// gnet) it copies into the loop's reply buffer and replies with one Writev of
// the copies. With a worker pool (server gnet-pool, the model gnet documents
// for handlers that may block) it copies into the connection's pending
// replies and, unless a task already drains them, submits one to gnet's
// goroutine pool, which replies with AsyncWrite. gnet keeps no order between
// tasks: without the per-connection queue, pipelined replies came back out
// of order.
package gnetecho

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
	"github.com/panjf2000/gnet/v2/pkg/pool/byteslice"
	"github.com/panjf2000/gnet/v2/pkg/pool/goroutine"
	"github.com/ringwire/ringwire/bench/echo/internal/report"
)

// echo is the engine's handler. Its buffers are the one loop's: Writev
// writes them at once or copies what is left into the connection's outbound
// buffer, so they are free again when it returns.
type echo struct {
	gnet.BuiltinEventEngine
	scratch []byte
	frames  [][]byte
	engine  chan gnet.Engine // the engine, once booted, to stop it
	pool    *goroutine.Pool  // nil: reply on the loop
}

func (e *echo) OnBoot(eng gnet.Engine) gnet.Action {
	e.engine <- eng
	return gnet.None
}

func (e *echo) OnTraffic(c gnet.Conn) gnet.Action {
	e.scratch = e.scratch[:0]
	e.frames = e.frames[:0]
	for c.InboundBuffered() >= report.HeaderLen {
		hdr, err := c.Peek(report.HeaderLen)
		if err != nil {
			return gnet.Close
		}
		n, ok := report.FrameLen(hdr)
		if !ok {
			return gnet.Close
		}
		if c.InboundBuffered() < n {
			break
		}
		frame, err := c.Peek(n)
		if err != nil {
			return gnet.Close
		}
		if e.pool != nil {
			q := c.Context().(*queue)
			if q.add(frame) {
				err := e.pool.Submit(func() { q.drain(c) })
				if err != nil {
					return gnet.Close
				}
			}
			if _, err := c.Discard(n); err != nil {
				return gnet.Close
			}
			continue
		}
		start := len(e.scratch)
		e.scratch = append(e.scratch, frame...)
		if _, err := c.Discard(n); err != nil {
			return gnet.Close
		}
		e.frames = append(e.frames, e.scratch[start:start+n:start+n])
	}
	if len(e.frames) > 0 {
		// Taken after the appends: scratch may have moved as it grew.
		off := 0
		for i, f := range e.frames {
			e.frames[i] = e.scratch[off : off+len(f)]
			off += len(f)
		}
		if _, err := c.Writev(e.frames); err != nil {
			return gnet.Close
		}
	}
	return gnet.None
}

func (e *echo) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if e.pool != nil {
		c.SetContext(&queue{})
	}
	return nil, gnet.None
}

// queue is a connection's replies waiting for a pool task to send them, in
// order.
type queue struct {
	mu        sync.Mutex
	pending   []byte
	scheduled bool
}

// add appends a reply and reports whether a task must be submitted.
func (q *queue) add(frame []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending == nil {
		q.pending = byteslice.Get(len(frame))[:0]
	}
	q.pending = append(q.pending, frame...)
	if q.scheduled {
		return false
	}
	q.scheduled = true
	return true
}

// drain sends the pending replies until none are left.
func (q *queue) drain(c gnet.Conn) {
	for {
		q.mu.Lock()
		buf := q.pending
		q.pending = nil
		if len(buf) == 0 {
			q.scheduled = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		c.AsyncWrite(buf, func(gnet.Conn, error) error {
			byteslice.Put(buf) // the loop has written or copied it
			return nil
		})
	}
}

// stderrLogger keeps gnet's warnings and errors off standard output, which
// carries only the usage lines; gnet's default logger writes to stdout.
type stderrLogger struct{}

var _ logging.Logger = stderrLogger{}

func (stderrLogger) Debugf(string, ...any) {}
func (stderrLogger) Infof(string, ...any)  {}
func (stderrLogger) Warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: warning: "+format+"\n", args...)
}
func (stderrLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: error: "+format+"\n", args...)
}
func (stderrLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: fatal: "+format+"\n", args...)
	os.Exit(1)
}

// Main runs the server named name until SIGTERM; pool selects the worker
// pool.
func Main(name string, pool bool) {
	addr := report.Addr()
	proto := "tcp4://" + addr
	var stopping atomic.Bool
	e := &echo{engine: make(chan gnet.Engine, 1)}
	if pool {
		e.pool = goroutine.Default()
	}
	done := make(chan struct{})
	go func() {
		err := gnet.Run(e, proto,
			gnet.WithMulticore(false),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithLogger(stderrLogger{}))
		if !stopping.Load() {
			report.Fatal("gnet.Run", fmt.Errorf("returned before SIGTERM: %v", err))
		}
		close(done)
	}()
	report.Run(name, nil, func() {
		stopping.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		select {
		case eng := <-e.engine:
			if err := eng.Stop(ctx); err != nil {
				os.Stderr.WriteString("stop: " + err.Error() + "\n")
			}
		case <-done: // it never booted, and has returned
		}
		<-done
	})
}
