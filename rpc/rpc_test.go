package rpc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/rpc"
)

type EchoReq struct {
	Msg  string `thrift:"msg,1"`
	N    int64  `thrift:"n,2"`
	Data []byte `thrift:"data,3"`
}

type EchoResp struct {
	Msg  string `thrift:"msg,1"`
	N    int64  `thrift:"n,2"`
	Data []byte `thrift:"data,3"`
	Note string `thrift:"note,4"`
}

// Oops is a declared exception.
type Oops struct {
	Why string `thrift:"why,1"`
}

func (o *Oops) Error() string { return "oops: " + o.Why }

type testService struct {
	echo, fail, meta, sleep, info *rpc.Method[EchoReq, EchoResp]
	ping                          *rpc.Method[EchoReq, struct{}]
	pinged                        chan string
	release                       chan struct{} // "block" waits for it
}

func newTestService() *testService {
	ts := &testService{pinged: make(chan string, 16), release: make(chan struct{})}
	ts.echo = rpc.NewMethod("Echo", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		return &EchoResp{Msg: r.Msg, N: r.N, Data: r.Data}, nil
	}, rpc.Throws[Oops](1))
	ts.fail = rpc.NewMethod("Fail", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		switch r.Msg {
		case "oops":
			return nil, &Oops{Why: "because"}
		case "wrapped":
			return nil, fmt.Errorf("wrapping: %w", &Oops{Why: "inner"})
		case "status":
			return nil, &rpc.StatusError{Code: 1234, Message: "over quota", Extra: map[string]string{"k": "v"}}
		case "panic":
			panic("handler exploded")
		case "app":
			return nil, &tw.ApplicationException{Type: tw.ValidationFailed, Message: "bad field"}
		}
		return nil, errors.New("plain failure")
	}, rpc.Throws[Oops](1))
	ts.meta = rpc.NewMethod("Meta", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		v, _ := rpc.Meta(ctx, r.Msg)
		rpc.SetReplyMeta(ctx, "server-said", "hi")
		return &EchoResp{Msg: v}, nil
	})
	ts.sleep = rpc.NewMethod("Sleep", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		dl, ok := ctx.Deadline()
		note := "no deadline"
		if ok {
			note = fmt.Sprintf("deadline in %v", time.Until(dl).Round(time.Second))
		}
		switch r.Msg {
		case "hold": // deaf to ctx: a handler stuck in a call of its own
			<-ts.release
		case "block":
			select {
			case <-ts.release:
			case <-ctx.Done():
			}
		default:
			// Past the deadline on purpose: the client gives up first.
			d, _ := time.ParseDuration(r.Msg)
			time.Sleep(d)
		}
		return &EchoResp{Msg: r.Msg, N: r.N, Note: note}, nil
	})
	ts.info = rpc.NewMethod("Info", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		i := rpc.InfoFrom(ctx)
		return &EchoResp{Msg: fmt.Sprintf("%s.%s %v seq=%d peer=%v", i.Service, i.Method, i.Transport, i.SeqID, i.Peer != nil)}, nil
	})
	ts.ping = rpc.NewMethod("Ping", func(ctx context.Context, r *EchoReq) (*struct{}, error) {
		ts.pinged <- r.Msg
		return nil, nil
	}, rpc.Oneway())
	return ts
}

// startServer serves ts on a loopback port; the test stops it.
func startServer(t *testing.T, ts *testService, configure func(*rpc.Server)) (*rpc.Server, string) {
	t.Helper()
	srv := &rpc.Server{Poller: testPoller, ErrorLog: log.New(io.Discard, "", 0)}
	if configure != nil {
		configure(srv)
	}
	if err := srv.Register("Test", ts.echo, ts.fail, ts.meta, ts.sleep, ts.info, ts.ping); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, rpc.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return srv, l.Addr().String()
}

func newClient(t *testing.T, addr string, opts rpc.ClientOptions) *rpc.Client {
	t.Helper()
	opts.Resolver = rpc.Addrs{addr}
	opts.Dial.Poller = testPoller
	c, err := rpc.NewClient("Test", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// modes are the client configurations every transport test runs.
var modes = []struct {
	name string
	opts rpc.ClientOptions
}{
	{"TTHeader/pooled", rpc.ClientOptions{Transport: rpc.TTHeader}},
	{"TTHeader/mux", rpc.ClientOptions{Transport: rpc.TTHeader, Mode: rpc.Mux}},
	{"TTHeader/short", rpc.ClientOptions{Transport: rpc.TTHeader, Mode: rpc.Short}},
	{"TTHeaderFramed/pooled", rpc.ClientOptions{Transport: rpc.TTHeaderFramed}},
	{"TTHeaderFramed/mux", rpc.ClientOptions{Transport: rpc.TTHeaderFramed, Mode: rpc.Mux}},
	{"Framed/pooled", rpc.ClientOptions{Transport: rpc.Framed}},
	{"Framed/short", rpc.ClientOptions{Transport: rpc.Framed, Mode: rpc.Short}},
	{"Buffered/pooled", rpc.ClientOptions{Transport: rpc.Buffered}},
	{"THeader/pooled", rpc.ClientOptions{Transport: rpc.THeader}},
	{"THeaderCompact/pooled", rpc.ClientOptions{Transport: rpc.THeaderCompact}},
	{"FramedCompact/pooled", rpc.ClientOptions{Transport: rpc.FramedCompact}},
	{"BufferedCompact/pooled", rpc.ClientOptions{Transport: rpc.BufferedCompact}},
}

func TestEcho(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newClient(t, addr, m.opts)
			for i, data := range [][]byte{nil, []byte("small"), big, []byte("again")} {
				req := &EchoReq{Msg: fmt.Sprint("call ", i), N: int64(i), Data: data}
				resp, err := ts.echo.Call(context.Background(), c, req)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if resp.Msg != req.Msg || resp.N != req.N || !bytes.Equal(resp.Data, data) {
					t.Fatalf("call %d: got %q %d %d bytes", i, resp.Msg, resp.N, len(resp.Data))
				}
			}
			// The generic form, with a method the client never made.
			resp, err := rpc.Call[EchoReq, EchoResp](context.Background(), c, "Echo", &EchoReq{Msg: "generic"})
			if err != nil || resp.Msg != "generic" {
				t.Fatalf("Call: %v, %+v", err, resp)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	for _, m := range modes {
		c := newClient(t, addr, m.opts)
		resp, err := ts.info.Call(context.Background(), c, &EchoReq{})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		want := fmt.Sprintf("Test.Info %v seq=", m.opts.Transport)
		if !strings.HasPrefix(resp.Msg, want) || !strings.HasSuffix(resp.Msg, "peer=true") || strings.Contains(resp.Msg, "seq=0 ") {
			t.Errorf("%s: server saw %q", m.name, resp.Msg)
		}
	}
}

func TestErrors(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newClient(t, addr, m.opts)
			ctx := context.Background()
			call := func(msg string) error {
				_, err := ts.fail.Call(ctx, c, &EchoReq{Msg: msg})
				return err
			}
			var oops *Oops
			if err := call("oops"); !errors.As(err, &oops) || oops.Why != "because" {
				t.Errorf("declared exception: %v", err)
			}
			if err := call("wrapped"); !errors.As(err, &oops) || oops.Why != "inner" {
				t.Errorf("wrapped declared exception: %v", err)
			}
			var ae *tw.ApplicationException
			if err := call("plain"); !errors.As(err, &ae) || ae.Type != tw.InternalError || !strings.Contains(ae.Message, "plain failure") {
				t.Errorf("plain error: %v", err)
			}
			if err := call("panic"); !errors.As(err, &ae) || ae.Type != tw.InternalError || !strings.Contains(ae.Message, "handler exploded") {
				t.Errorf("panic: %v", err)
			}
			if err := call("app"); !errors.As(err, &ae) || ae.Type != tw.ValidationFailed {
				t.Errorf("application exception: %v", err)
			}
			err := call("status")
			var st *rpc.StatusError
			switch {
			case m.opts.Transport == rpc.TTHeader || m.opts.Transport == rpc.TTHeaderFramed:
				if !errors.As(err, &st) || st.Code != 1234 || st.Message != "over quota" || st.Extra["k"] != "v" {
					t.Errorf("status: %v (%+v)", err, st)
				}
			default:
				if !errors.As(err, &ae) || ae.Type != tw.InternalError || !strings.Contains(ae.Message, "over quota") {
					t.Errorf("status without TTHeader: %v", err)
				}
			}
			// Unknown method: 1 when the service is named (TTHeader's isn), 20 when not.
			_, err = rpc.Call[EchoReq, EchoResp](ctx, c, "Nope", &EchoReq{})
			want := tw.UnknownService
			if m.opts.Transport == rpc.TTHeader || m.opts.Transport == rpc.TTHeaderFramed {
				want = tw.UnknownMethod
			}
			if !errors.As(err, &ae) || ae.Type != want {
				t.Errorf("unknown method: %v, want type %d", err, want)
			}
			// After all of that the connection serves on.
			if resp, err := ts.echo.Call(ctx, c, &EchoReq{Msg: "still"}); err != nil || resp.Msg != "still" {
				t.Errorf("after errors: %v", err)
			}
		})
	}
}

func TestOneway(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	for _, m := range modes {
		c := newClient(t, addr, m.opts)
		if _, err := ts.ping.Call(context.Background(), c, &EchoReq{Msg: m.name}); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		select {
		case got := <-ts.pinged:
			if got != m.name {
				t.Fatalf("%s: pinged %q", m.name, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no ping", m.name)
		}
		if err := rpc.CallOneway(context.Background(), c, "Ping", &EchoReq{Msg: "generic"}); err != nil {
			t.Fatal(err)
		}
		if got := <-ts.pinged; got != "generic" {
			t.Fatalf("%s: pinged %q", m.name, got)
		}
	}
}

func TestMetadata(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	for _, m := range modes[:5] { // the TTHeader ones
		c := newClient(t, addr, m.opts)
		ctx := rpc.WithMeta(context.Background(), "who", "older")
		ctx = rpc.WithMeta(ctx, "who", "newer")
		ctx = rpc.WithPersistentMeta(ctx, "trace", "t-1")
		ctx, rm := rpc.WithReplyMeta(ctx)
		for key, want := range map[string]string{"who": "newer", "trace": "t-1", "none": ""} {
			resp, err := ts.meta.Call(ctx, c, &EchoReq{Msg: key})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Msg != want {
				t.Errorf("%s: server read %s=%q, want %q", m.name, key, resp.Msg, want)
			}
			if v, ok := rm.Get("server-said"); !ok || v != "hi" {
				t.Errorf("%s: reply meta %v", m.name, rm.All())
			}
		}
	}
}

func TestDeadline(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newClient(t, addr, m.opts)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := ts.sleep.Call(ctx, c, &EchoReq{Msg: "300ms"})
			if !rpc.IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want a timeout", err)
			}
			// The client serves on (a new connection, or the same mux one).
			ctx, cancel = context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			resp, err := ts.sleep.Call(ctx, c, &EchoReq{Msg: "1ms"})
			if err != nil {
				t.Fatal(err)
			}
			wantNote := "no deadline"
			if m.opts.Transport == rpc.TTHeader || m.opts.Transport == rpc.TTHeaderFramed {
				wantNote = "deadline in 1h0m0s"
			}
			if resp.Note != wantNote {
				t.Errorf("handler saw %q, want %q", resp.Note, wantNote)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	ts := newTestService()
	var mu sync.Mutex
	var trace []string
	record := func(tag string) rpc.Middleware {
		return func(next rpc.Endpoint) rpc.Endpoint {
			return func(ctx context.Context, req, resp any) error {
				i := rpc.InfoFrom(ctx)
				mu.Lock()
				trace = append(trace, fmt.Sprintf("%s>%s.%s", tag, i.Service, i.Method))
				mu.Unlock()
				err := next(ctx, req, resp)
				mu.Lock()
				trace = append(trace, "<"+tag)
				mu.Unlock()
				return err
			}
		}
	}
	_, addr := startServer(t, ts, func(s *rpc.Server) {
		s.Middleware = []rpc.Middleware{record("s1"), record("s2")}
	})
	c := newClient(t, addr, rpc.ClientOptions{Middleware: []rpc.Middleware{record("c1"), rpc.Recover(), record("c2")}})
	if _, err := ts.echo.Call(context.Background(), c, &EchoReq{Msg: "x"}); err != nil {
		t.Fatal(err)
	}
	want := "c1>Test.Echo c2>Test.Echo s1>Test.Echo s2>Test.Echo <s2 <s1 <c2 <c1"
	if got := strings.Join(trace, " "); got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}
}

func TestRecoverMiddleware(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	boom := func(rpc.Endpoint) rpc.Endpoint {
		return func(context.Context, any, any) error { panic("middleware bug") }
	}
	c := newClient(t, addr, rpc.ClientOptions{Middleware: []rpc.Middleware{rpc.Recover(), boom}})
	_, err := ts.echo.Call(context.Background(), c, &EchoReq{})
	var ae *tw.ApplicationException
	if !errors.As(err, &ae) || ae.Type != tw.InternalError || !strings.Contains(ae.Message, "middleware bug") {
		t.Fatalf("got %v", err)
	}
}

func TestTimeoutMiddleware(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	c := newClient(t, addr, rpc.ClientOptions{Middleware: []rpc.Middleware{rpc.Timeout(50 * time.Millisecond)}})
	if _, err := ts.sleep.Call(context.Background(), c, &EchoReq{Msg: "300ms"}); !rpc.IsTimeout(err) {
		t.Fatalf("got %v, want a timeout", err)
	}
}

// rawConn dials addr with the standard library, for bytes no client sends.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return nc
}

func TestUnsupportedInput(t *testing.T) {
	ts := newTestService()
	var logged bytes.Buffer
	var logMu sync.Mutex
	_, addr := startServer(t, ts, func(s *rpc.Server) {
		s.ErrorLog = log.New(writerFunc(func(p []byte) (int, error) {
			logMu.Lock()
			defer logMu.Unlock()
			return logged.Write(p)
		}), "", 0)
	})
	c := newClient(t, addr, rpc.ClientOptions{Mode: rpc.Mux})
	for _, input := range []string{
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x00\x00\x00\x05garbage and more",
		"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f",
	} {
		nc := rawConn(t, addr)
		nc.Write([]byte(input))
		if n, err := nc.Read(make([]byte, 64)); err != io.EOF {
			t.Errorf("%q: read %d, %v; want the connection closed", input, n, err)
		}
		// Other connections are not affected.
		if _, err := ts.echo.Call(context.Background(), c, &EchoReq{Msg: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	logMu.Lock()
	defer logMu.Unlock()
	if n := strings.Count(logged.String(), "closing connection"); n != 4 {
		t.Errorf("logged %d closes:\n%s", n, logged.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var _ = conn.ErrClosed
