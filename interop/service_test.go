package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"testing"
	"time"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	kitexecho "github.com/ringwire/ringwire/interop/internal/kitexecho"
	"github.com/ringwire/ringwire/rpc"
)

// Msg is the message every test sends; Kitex's generated struct, which
// ringwire codes as it is, whoever the peer.
type Msg = kitexecho.Msg

// The behaviour every server in these tests has, by the text it gets:
//
//	"oops"   throws Oops{Why: "because", Code: 7}
//	"fail"   returns a plain error ("plain failure")
//	"status" returns a business status 1234 "over quota" {k: v}
//	"meta"   returns the metadata it got in Meta ("persist:" before
//	         persistent keys), and sends back server-said=hi
//	"peer"   returns the caller's address as Text
//	anything else is echoed; sleep waits N ms first; ping reports Text.

// ringwireMethods are echo.thrift's methods as ringwire declares them.
type ringwireMethods struct {
	echo  *rpc.Method[Msg, Msg]
	sleep *rpc.Method[Msg, Msg]
	ping  *rpc.Method[Msg, struct{}]
}

// newRingwireMethods makes the methods; with pinged, they serve.
func newRingwireMethods(pinged chan<- string) *ringwireMethods {
	return &ringwireMethods{
		echo: rpc.NewMethod("echo", func(ctx context.Context, m *Msg) (*Msg, error) {
			switch m.Text {
			case "oops":
				return nil, &kitexecho.Oops{Why: "because", Code: 7}
			case "fail":
				return nil, errors.New("plain failure")
			case "status":
				return nil, &rpc.StatusError{Code: 1234, Message: "over quota", Extra: map[string]string{"k": "v"}}
			case "meta":
				out := &Msg{Text: "meta", Meta: map[string]string{}}
				for k, v := range rpc.AllMeta(ctx) {
					out.Meta[k] = v
				}
				rpc.SetReplyMeta(ctx, "server-said", "hi")
				return out, nil
			case "peer":
				return &Msg{Text: rpc.InfoFrom(ctx).Peer.String()}, nil
			}
			return m, nil
		}, rpc.Throws[kitexecho.Oops](1)),
		sleep: rpc.NewMethod("sleep", func(ctx context.Context, m *Msg) (*Msg, error) {
			time.Sleep(time.Duration(m.N) * time.Millisecond)
			return m, nil
		}),
		ping: rpc.NewMethod("ping", func(ctx context.Context, m *Msg) (*struct{}, error) {
			pinged <- m.Text
			return nil, nil
		}, rpc.Oneway()),
	}
}

// serveRingwire starts a ringwire server of the Echo service.
func serveRingwire(t *testing.T) (addr string, pinged <-chan string) {
	t.Helper()
	ch := make(chan string, 16)
	m := newRingwireMethods(ch)
	srv := &rpc.Server{ErrorLog: log.New(io.Discard, "", 0)}
	if err := srv.Register("Echo", m.echo, m.sleep, m.ping); err != nil {
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
		<-done
	})
	return l.Addr().String(), ch
}

// serverTraits are what a peer server does that the checks depend on.
type serverTraits struct {
	headers  bool             // metadata and business status travel (TTHeader)
	unknown  tw.ExceptionType // the exception type of an unknown method
	pinged   <-chan string
	noPeer   bool // the server cannot tell the caller's address
	noStatus bool // business status is not sent even on TTHeader
}

// checkRingwireClient runs every check with a ringwire client against a
// peer's server.
func checkRingwireClient(t *testing.T, c *rpc.Client, pooled bool, tr serverTraits) {
	t.Helper()
	m := newRingwireMethods(nil)
	ctx := context.Background()
	for _, data := range [][]byte{[]byte("small"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)} {
		resp, err := m.echo.Call(ctx, c, &Msg{Text: "echo", N: 42, Data: data})
		if err != nil {
			t.Fatalf("echo of %d bytes: %v", len(data), err)
		}
		if resp.Text != "echo" || resp.N != 42 || !bytes.Equal(resp.Data, data) {
			t.Fatalf("echo of %d bytes: got %q %d, %d bytes", len(data), resp.Text, resp.N, len(resp.Data))
		}
	}

	_, err := m.echo.Call(ctx, c, &Msg{Text: "oops"})
	var oops *kitexecho.Oops
	if !errors.As(err, &oops) || oops.Why != "because" || oops.Code != 7 {
		t.Errorf("declared exception: %v", err)
	}
	_, err = m.echo.Call(ctx, c, &Msg{Text: "fail"})
	var ae *tw.ApplicationException
	if !errors.As(err, &ae) || ae.Type == tw.UnknownMethod {
		t.Errorf("handler error: %v", err)
	}
	_, err = rpc.Call[Msg, Msg](ctx, c, "nope", &Msg{})
	if !errors.As(err, &ae) || ae.Type != tr.unknown {
		t.Errorf("unknown method: %v, want exception type %d", err, tr.unknown)
	}

	if tr.headers && !tr.noStatus {
		_, err = m.echo.Call(ctx, c, &Msg{Text: "status"})
		var st *rpc.StatusError
		if !errors.As(err, &st) || st.Code != 1234 || st.Message != "over quota" || st.Extra["k"] != "v" {
			t.Errorf("business status: %v %+v", err, st)
		}
	}
	if tr.headers {
		mctx := rpc.WithPersistentMeta(rpc.WithMeta(ctx, "who", "ringwire"), "trace", "t-1")
		mctx, rm := rpc.WithReplyMeta(mctx)
		resp, err := m.echo.Call(mctx, c, &Msg{Text: "meta"})
		if err != nil {
			t.Fatalf("meta: %v", err)
		}
		if resp.Meta["who"] != "ringwire" || resp.Meta["persist:trace"] != "t-1" && resp.Meta["trace"] != "t-1" {
			t.Errorf("the server read metadata %v", resp.Meta)
		}
		if v, _ := rm.Get("server-said"); v != "hi" {
			t.Errorf("reply metadata %v", rm.All())
		}
	}

	if _, err := m.ping.Call(ctx, c, &Msg{Text: "pinged"}); err != nil {
		t.Fatalf("oneway: %v", err)
	}
	select {
	case got := <-tr.pinged:
		if got != "pinged" {
			t.Errorf("oneway delivered %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("oneway never arrived")
	}

	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = m.sleep.Call(dctx, c, &Msg{N: 300})
	cancel()
	if !rpc.IsTimeout(err) {
		t.Errorf("a call past its deadline: %v", err)
	}
	if resp, err := m.echo.Call(ctx, c, &Msg{Text: "after"}); err != nil || resp.Text != "after" {
		t.Fatalf("after a timeout: %v", err)
	}

	if pooled && !tr.noPeer {
		a, err1 := m.echo.Call(ctx, c, &Msg{Text: "peer"})
		b, err2 := m.echo.Call(ctx, c, &Msg{Text: "peer"})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.Text != b.Text {
			t.Errorf("two calls in a row came from %s and %s: the pooled connection was not reused", a.Text, b.Text)
		}
	}
}

func newRingwireClient(t *testing.T, addr string, opts rpc.ClientOptions) *rpc.Client {
	t.Helper()
	opts.Resolver = rpc.Addrs{addr}
	c, err := rpc.NewClient("Echo", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var _ = fmt.Sprint
