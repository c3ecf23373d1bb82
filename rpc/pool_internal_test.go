package rpc

import (
	"context"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
)

type pingReq struct {
	Wait int64 `thrift:"wait,1"` // milliseconds
}

// startPoolServer serves a method that waits req.Wait milliseconds, and
// returns a client of it with opts.
func startPoolServer(t *testing.T, opts ClientOptions) (*Server, *Client, *Method[pingReq, pingReq]) {
	t.Helper()
	p, err := poller.New(poller.Options{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMethod("Wait", func(ctx context.Context, r *pingReq) (*pingReq, error) {
		time.Sleep(time.Duration(r.Wait) * time.Millisecond)
		return r, nil
	})
	srv := &Server{Poller: p, ErrorLog: log.New(io.Discard, "", 0)}
	srv.Register("S", m)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	opts.Resolver = Addrs{l.Addr().String()}
	opts.Dial.Poller = p
	c, err := NewClient("S", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		srv.Close()
		<-done
		p.Close()
	})
	return srv, c, m
}

func TestPoolLimits(t *testing.T) {
	_, c, m := startPoolServer(t, ClientOptions{MaxIdlePerAddr: 2})
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Call(context.Background(), c, &pingReq{Wait: 50}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := c.pool.idleCount(); n != 2 {
		t.Fatalf("%d idle connections after 6 concurrent calls, want the per-address limit 2", n)
	}
	// Calls one after another reuse one connection.
	for i := 0; i < 5; i++ {
		if _, err := m.Call(context.Background(), c, &pingReq{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.pool.idleCount(); n != 2 {
		t.Fatalf("%d idle after sequential calls, want 2", n)
	}
}

func TestPoolGlobalLimit(t *testing.T) {
	_, c, m := startPoolServer(t, ClientOptions{MaxIdle: 1})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Call(context.Background(), c, &pingReq{Wait: 50})
		}()
	}
	wg.Wait()
	if n := c.pool.idleCount(); n != 1 {
		t.Fatalf("%d idle connections, want the global limit 1", n)
	}
}

func TestPoolIdleTimeout(t *testing.T) {
	_, c, m := startPoolServer(t, ClientOptions{IdleTimeout: 30 * time.Millisecond})
	if _, err := m.Call(context.Background(), c, &pingReq{}); err != nil {
		t.Fatal(err)
	}
	if n := c.pool.idleCount(); n != 1 {
		t.Fatalf("%d idle, want 1", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.pool.idleCount() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := c.pool.idleCount(); n != 0 {
		t.Fatalf("%d idle past the idle timeout", n)
	}
}

// TestConnResetDropsConnection: replies during a graceful shutdown carry
// crrst=1, and the pooled client does not keep that connection.
func TestConnResetDropsConnection(t *testing.T) {
	srv, c, m := startPoolServer(t, ClientOptions{})
	res := make(chan error, 1)
	go func() {
		_, err := m.Call(context.Background(), c, &pingReq{Wait: 200})
		res <- err
	}()
	time.Sleep(50 * time.Millisecond)
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if n := c.pool.idleCount(); n != 0 {
		t.Fatalf("%d idle: the connection the server resets was kept", n)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}

func TestAppendMeta(t *testing.T) {
	ctx := WithMeta(context.Background(), "a", "1")
	ctx = WithPersistentMeta(ctx, "b", "2")
	ctx = WithMeta(ctx, "a", "3")
	// A server's received transit value is readable but not sent on.
	ctx = context.WithValue(ctx, metaKey{}, &metaNode{"up", "x", metaUpstream, metaFrom(ctx)})
	got := appendMeta(nil, metaFrom(ctx))
	want := map[string]string{"RPC_TRANSIT_a": "3", "RPC_PERSIST_b": "2"}
	if len(got) != len(want) {
		t.Fatalf("sent %v", got)
	}
	for _, p := range got {
		if want[p.Key] != p.Value {
			t.Errorf("sent %s=%s", p.Key, p.Value)
		}
	}
	if v, ok := Meta(ctx, "up"); !ok || v != "x" {
		t.Errorf("Meta(up) = %q, %v", v, ok)
	}
	all := AllMeta(ctx)
	if all["a"] != "3" || all["b"] != "2" || all["up"] != "x" || len(all) != 3 {
		t.Errorf("AllMeta = %v", all)
	}
}

// TestUnknownMethodDropsConnection: Kitex closes a connection after an
// unknown method's exception; the pool does not keep it.
func TestUnknownMethodDropsConnection(t *testing.T) {
	_, c, _ := startPoolServer(t, ClientOptions{})
	_, err := Call[pingReq, pingReq](context.Background(), c, "Nope", &pingReq{})
	if err == nil {
		t.Fatal("an unknown method answered")
	}
	if n := c.pool.idleCount(); n != 0 {
		t.Fatalf("%d idle after an unknown method's exception, want 0", n)
	}
}
