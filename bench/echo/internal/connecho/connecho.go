// Package connecho is the framed-echo server on ringwire's conn package,
// shared by the conn-* servers: a conn.Server with one loop, the handler
// inline on the loop or on a pooled goroutine per request.
package connecho

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/ringwire/ringwire/bench/echo/internal/report"
	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/poller"
)

// echo copies every complete frame buffered into the send buffer, then
// flushes them at once: the reply built from a copy, as every server of the
// benchmark does. A frame not yet complete waits: inline, Peek and Next
// return buffer.ErrShort and the handler returns; on a goroutine, they wait
// for the rest. It flushes every 32 KiB too: on a goroutine, a client that
// keeps writing keeps Len above zero, and replies that are never flushed
// escape the send queue's high watermark.
func echo(c *conn.Conn) error {
	for c.Len() > 0 {
		if c.Unflushed() >= 32<<10 {
			c.Release()
			if err := c.Flush(); err != nil {
				return err
			}
		}
		hdr, err := c.Peek(report.HeaderLen)
		if err != nil {
			return short(c, err)
		}
		n, ok := report.FrameLen(hdr)
		if !ok {
			return errors.New("frame too long")
		}
		frame, err := c.Next(n)
		if err != nil {
			return short(c, err)
		}
		out, err := c.Malloc(n)
		if err != nil {
			return err
		}
		copy(out, frame)
	}
	c.Release()
	return c.Flush()
}

// short flushes the replies made so far when a frame is incomplete inline.
func short(c *conn.Conn, err error) error {
	if errors.Is(err, buffer.ErrShort) {
		c.Release()
		return c.Flush()
	}
	return err
}

// Main runs the server named name until SIGTERM.
func Main(name string, backend poller.Backend, inline bool) {
	addr := report.Addr()
	p, err := poller.New(poller.Options{Loops: 1, Backend: backend})
	if err != nil {
		report.Fatal("poller", err)
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		report.Fatal("listen", err)
	}
	s := &conn.Server{Handler: echo, Inline: inline, Poller: p}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	syscalls := func() int64 {
		var n uint64
		for _, l := range p.Loops() {
			n += l.Stats().Syscalls
		}
		return int64(n)
	}
	report.Run(name, syscalls, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Slow readers' connections linger, sending what was flushed, past
		// the deadline: Shutdown force-closes them then, and says so.
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			report.Fatal("shutdown", err)
		}
		if err := <-served; !errors.Is(err, conn.ErrServerClosed) {
			report.Fatal("serve", fmt.Errorf("%v", err))
		}
		p.Close()
	})
}
