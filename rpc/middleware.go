package rpc

import (
	"context"
	"fmt"
	"runtime"
	"time"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// An Endpoint is a call as middleware sees it: req is the request (a *Req
// of the method's types, a *RawCall for a server's Fallback) and resp the
// response to fill (a *Resp, a *RawResult; nil for a oneway call). The
// call's Info is in ctx (InfoFrom).
type Endpoint func(ctx context.Context, req, resp any) error

// A Middleware wraps an endpoint: authentication, limits, tracing,
// metrics, retries. Client and Server run theirs in the order given, the
// first outermost.
type Middleware func(Endpoint) Endpoint

// chain wraps ep in mws, the first outermost.
func chain(ep Endpoint, mws []Middleware) Endpoint {
	for i := len(mws) - 1; i >= 0; i-- {
		ep = mws[i](ep)
	}
	return ep
}

// Recover turns a panic in the endpoints inside it into an error: a
// *thriftwire.ApplicationException of type InternalError that names the
// panic and where it happened. A Server recovers handler panics the same
// way without it; on a Client it keeps a middleware's panic from taking
// the process down.
func Recover() Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, req, resp any) (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = panicError(r)
				}
			}()
			return next(ctx, req, resp)
		}
	}
}

// panicError describes a recovered panic, with the frame that raised it.
func panicError(r any) error {
	var where string
	pcs := make([]uintptr, 16)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function != "" && !isRuntime(f.Function) {
			where = fmt.Sprintf(" at %s (%s:%d)", f.Function, f.File, f.Line)
			break
		}
		if !more {
			break
		}
	}
	return &tw.ApplicationException{Type: tw.InternalError, Message: fmt.Sprintf("panic: %v%s", r, where)}
}

func isRuntime(fn string) bool {
	return len(fn) >= 8 && fn[:8] == "runtime."
}

// Timeout gives calls without a deadline one of d: on a client, the call
// gives up with ErrTimeout after d, and the server learns of the deadline;
// on a server, the handler's context ends after d.
func Timeout(d time.Duration) Middleware {
	return func(next Endpoint) Endpoint {
		return func(ctx context.Context, req, resp any) error {
			if _, ok := ctx.Deadline(); ok {
				return next(ctx, req, resp)
			}
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, req, resp)
		}
	}
}
