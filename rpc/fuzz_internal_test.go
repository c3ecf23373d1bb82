package rpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/frame"
)

// The fuzz targets feed bytes to the two decoders of network input: a
// server's reading of calls (FuzzServe) and a client's reading of a reply
// (FuzzReply). They check what must hold for any input: no panic and no
// hang; every reply the server writes is a whole, well-formed message; a
// client's error is one of the typed errors a caller branches on.

type fuzzMsg struct {
	Text string            `thrift:"text,1"`
	N    int64             `thrift:"n,2"`
	Data []byte            `thrift:"data,3"`
	Tags map[string]string `thrift:"tags,4"`
	List []int32           `thrift:"list,5"`
}

type fuzzOops struct {
	Why string `thrift:"why,1"`
}

func (e *fuzzOops) Error() string { return "oops: " + e.Why }

var (
	fuzzEcho = NewMethod("Echo", func(ctx context.Context, r *fuzzMsg) (*fuzzMsg, error) {
		return r, nil
	}, Throws[fuzzOops](1))
	fuzzFail = NewMethod("Fail", func(ctx context.Context, r *fuzzMsg) (*fuzzMsg, error) {
		switch r.N % 4 {
		case 0:
			return nil, &fuzzOops{Why: r.Text}
		case 1:
			return nil, &StatusError{Code: int32(r.N), Message: r.Text, Extra: r.Tags}
		case 2:
			panic(r.Text)
		}
		return nil, errors.New(r.Text)
	}, Throws[fuzzOops](1))
	fuzzNote = NewMethod("Note", func(ctx context.Context, r *fuzzMsg) (*struct{}, error) {
		return nil, nil
	}, Oneway())
)

// fuzzLimits keep a fuzzed input from asking for much memory.
var fuzzLimits = frame.Limits{MaxFrame: 64 << 10, MaxHeaderInfo: 4 << 10}

// fuzzConn is a connection whose reads return in and then io.EOF, and whose
// writes are kept. Only the methods a serverConn uses are implemented.
type fuzzConn struct {
	net.Conn
	in  []byte
	mu  sync.Mutex
	out []byte
}

func (c *fuzzConn) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *fuzzConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = append(c.out, p...)
	return len(p), nil
}

func (c *fuzzConn) Close() error         { return nil }
func (c *fuzzConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// fuzzServer is a server, not listening, whose workers stop at the end of
// the test.
func fuzzServer(tb testing.TB) *Server {
	s := &Server{ErrorLog: log.New(io.Discard, "", 0), Limits: fuzzLimits}
	if err := s.Register("Fuzz", fuzzEcho, fuzzFail, fuzzNote); err != nil {
		tb.Fatal(err)
	}
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.cancel()
		s.calls.Wait()
		s.workers.stop()
	})
	return s
}

// fuzzRequests are a valid call of each method in each transport.
func fuzzRequests(tb testing.TB) [][]byte {
	var out [][]byte
	msg := &fuzzMsg{Text: "hi", N: 1, Data: []byte{1, 2, 3}, Tags: map[string]string{"k": "v"}, List: []int32{7}}
	for t := range numTransports {
		c := &Client{service: "Fuzz", opts: ClientOptions{Transport: t}}
		for _, m := range []method{fuzzEcho, fuzzFail, fuzzNote} {
			info := &Info{Service: "Fuzz", Method: m.methodName(), Transport: t, SeqID: 1, Oneway: m.oneway(), m: m}
			b, err := c.appendRequest(nil, WithMeta(context.Background(), "trace", "x"), info, msg)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func FuzzServe(f *testing.F) {
	for _, b := range fuzzRequests(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := fuzzServer(t)
		fc := &fuzzConn{in: data}
		sc := &serverConn{s: s, w: newStreamReader(fc), freed: make(chan struct{}, 1)}
		// Each message read consumes bytes: the input bounds the loop.
		for range len(data) + 1 {
			if err := sc.serveOne(); err != nil {
				break
			}
			sc.w.Release()
		}
		s.calls.Wait()
		checkReplies(t, fc.out)
	})
}

// checkReplies reads what a server wrote: whole messages, each a reply or
// an exception.
func checkReplies(t *testing.T, out []byte) {
	r := newStreamReader(&fuzzConn{in: out})
	var h frame.Header
	for r.Len() > 0 || len(out) > 0 {
		out = nil
		tr, err := detect(r)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("the server wrote a reply whose framing is not told: %v", err)
		}
		tr, payload, err := next(r, tr, &h, nil)
		if err != nil {
			t.Fatalf("the server wrote a %v reply that does not read: %v", tr, err)
		}
		var typ tw.MessageType
		var n int
		if tr.protocol() == codec.Compact {
			_, typ, _, n = tw.Compact.ConsumeMessageBegin(payload)
		} else {
			_, typ, _, n = tw.Binary.ConsumeMessageBegin(payload, true)
		}
		if n < 0 || (typ != tw.Reply && typ != tw.Exception) {
			t.Fatalf("the server wrote a %v message (%d), not a reply", typ, n)
		}
		r.Release()
	}
}

// fuzzReplies are the server's replies to fuzzRequests' calls: results,
// declared exceptions, statuses and application exceptions.
func fuzzReplies(tb testing.TB) [][]byte {
	s := fuzzServer(tb)
	var out [][]byte
	for _, req := range fuzzRequests(tb) {
		for n := range 4 {
			fc := &fuzzConn{in: bytes.Clone(req)}
			sc := &serverConn{s: s, w: newStreamReader(fc), freed: make(chan struct{}, 1)}
			if err := sc.serveOne(); err != nil {
				tb.Fatal(err)
			}
			s.calls.Wait()
			if len(fc.out) > 0 {
				out = append(out, append([]byte{byte(n)}, fc.out...))
			}
		}
	}
	return out
}

func FuzzReply(f *testing.F) {
	for _, b := range fuzzReplies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		tr := Transport(data[0] % byte(numTransports))
		c := &Client{service: "Fuzz", opts: ClientOptions{Transport: tr}}
		r := newStreamReader(&fuzzConn{in: data[1:]})
		var h frame.Header
		_, payload, err := next(r, tr, &h, &fuzzLimits)
		if err != nil {
			return // the connection is dropped: a TransportError for the caller
		}
		for _, m := range []method{fuzzEcho, fuzzFail} {
			info := &Info{Service: "Fuzz", Method: m.methodName(), Transport: tr, SeqID: 1, m: m}
			ctx, _ := WithReplyMeta(context.Background())
			_, err := c.readReply(ctx, &h, payload, info, new(fuzzMsg))
			var (
				te *TransportError
				ae *tw.ApplicationException
				oe *fuzzOops
				se *StatusError
			)
			switch {
			case err == nil, errors.Is(err, ErrSeqID), errors.As(err, &te),
				errors.As(err, &ae), errors.As(err, &oe), errors.As(err, &se):
			default:
				t.Fatalf("%v reply: an untyped error %T: %v", tr, err, err)
			}
		}
	})
}
