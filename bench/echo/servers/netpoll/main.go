// Command netpoll is the framed-echo server on github.com/cloudwego/netpoll:
// one poller (Config.PollerNum 1), an EventLoop whose OnRequest copies
// every complete frame into the connection's Writer (Malloc) and flushes
// once per call.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/ringwire/ringwire/bench/echo/internal/report"
)

var errFrame = errors.New("frame too long")

// onRequest runs, one call at a time per connection, while input waits.
func onRequest(_ context.Context, c netpoll.Connection) error {
	r, w := c.Reader(), c.Writer()
	wrote := false
	for r.Len() >= report.HeaderLen {
		hdr, err := r.Peek(report.HeaderLen)
		if err != nil {
			return err
		}
		n, ok := report.FrameLen(hdr)
		if !ok {
			c.Close()
			return errFrame
		}
		if r.Len() < n {
			break
		}
		frame, err := r.Next(n)
		if err != nil {
			return err
		}
		buf, err := w.Malloc(n)
		if err != nil {
			return err
		}
		copy(buf, frame)
		wrote = true
	}
	if err := r.Release(); err != nil {
		return err
	}
	if wrote {
		return w.Flush()
	}
	return nil
}

// init configures netpoll before anything starts its pollers, as Configure
// asks: one poller, logging to standard error.
func init() {
	if err := netpoll.Configure(netpoll.Config{PollerNum: 1, LoggerOutput: os.Stderr}); err != nil {
		report.Fatal("netpoll.Configure", err)
	}
}

func main() {
	addr := report.Addr()
	ln, err := netpoll.CreateListener("tcp4", addr)
	if err != nil {
		report.Fatal("listen", err)
	}
	el, err := netpoll.NewEventLoop(onRequest)
	if err != nil {
		report.Fatal("netpoll", err)
	}
	var stopping atomic.Bool
	served := make(chan error, 1)
	go func() {
		err := el.Serve(ln)
		if !stopping.Load() {
			report.Fatal("netpoll Serve", fmt.Errorf("returned before SIGTERM: %v", err))
		}
		served <- err
	}()
	report.Run("netpoll", nil, func() {
		stopping.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := el.Shutdown(ctx); err != nil {
			os.Stderr.WriteString("shutdown: " + err.Error() + "\n")
		}
		<-served
	})
}
