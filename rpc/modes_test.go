package rpc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/frame"
	"github.com/ringwire/ringwire/rpc"
)

// peerMethod answers with the caller's address, after sleeping N
// milliseconds.
func peerMethod() *rpc.Method[EchoReq, EchoResp] {
	return rpc.NewMethod("Peer", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		select {
		case <-time.After(time.Duration(r.N) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &EchoResp{Msg: r.Msg, N: r.N, Note: rpc.InfoFrom(ctx).Peer.String()}, nil
	})
}

// serve starts srv on a loopback port (or on l) and stops it at the end.
func serve(t *testing.T, srv *rpc.Server, l net.Listener) string {
	t.Helper()
	if srv.Poller == nil {
		srv.Poller = testPoller
	}
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return l.Addr().String()
}

func TestMuxConcurrent(t *testing.T) {
	peer := peerMethod()
	var srv rpc.Server
	srv.Register("Test", peer)
	addr := serve(t, &srv, nil)
	c := newClient(t, addr, rpc.ClientOptions{Mode: rpc.Mux})

	const calls = 1000
	var wg sync.WaitGroup
	var mu sync.Mutex
	peers := make(map[string]int)
	var order []int64
	errs := make(chan error, calls)
	for i := 0; i < calls; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Earlier calls sleep longer: replies come back out of order.
			req := &EchoReq{Msg: "m", N: int64((calls - i) % 50)}
			resp, err := peer.Call(context.Background(), c, req)
			if err != nil {
				errs <- err
				return
			}
			if resp.N != req.N {
				errs <- errors.New("a reply matched to another call")
				return
			}
			mu.Lock()
			peers[resp.Note]++
			order = append(order, resp.N)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(peers) != 1 {
		t.Errorf("calls came on %d connections, want 1: %v", len(peers), peers)
	}
	sorted := true
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			sorted = false
		}
	}
	if sorted {
		t.Errorf("replies completed in sleep order only; expected interleaving")
	}
}

// TestOutOfOrder pins two calls on one mux connection: the second,
// quicker, completes first.
func TestOutOfOrder(t *testing.T) {
	peer := peerMethod()
	var srv rpc.Server
	srv.Register("Test", peer)
	addr := serve(t, &srv, nil)
	c := newClient(t, addr, rpc.ClientOptions{Mode: rpc.Mux})
	slow := make(chan *EchoResp, 1)
	go func() {
		r, _ := peer.Call(context.Background(), c, &EchoReq{N: 500})
		slow <- r
	}()
	time.Sleep(20 * time.Millisecond)
	fast, err := peer.Call(context.Background(), c, &EchoReq{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-slow:
		t.Fatal("the slow call finished before the fast one")
	default:
	}
	r := <-slow
	if r == nil || r.Note != fast.Note {
		t.Fatalf("slow call: %+v; fast one came from %s", r, fast.Note)
	}
}

// TestMaxCallsPerConn runs more calls on one mux connection than the
// server allows at once: the ones past the limit start only as earlier
// ones end, and all complete.
func TestMaxCallsPerConn(t *testing.T) {
	const limit, calls = 2, 6
	var running, most atomic.Int32
	release := make(chan struct{})
	wait := rpc.NewMethod("Wait", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		running.Add(-1)
		return &EchoResp{N: r.N}, nil
	})
	srv := rpc.Server{MaxCallsPerConn: limit}
	srv.Register("Test", wait)
	addr := serve(t, &srv, nil)
	c := newClient(t, addr, rpc.ClientOptions{Mode: rpc.Mux})
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			r, err := wait.Call(context.Background(), c, &EchoReq{N: int64(i)})
			if err == nil && r.N != int64(i) {
				err = fmt.Errorf("call %d answered %d", i, r.N)
			}
			errs <- err
		}()
	}
	for running.Load() < limit {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // time for calls past the limit to start, were they let
	if n := running.Load(); n != limit {
		t.Errorf("%d calls running on one connection, limit %d", n, limit)
	}
	close(release)
	for range calls {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if m := most.Load(); m != limit {
		t.Errorf("at most %d calls ran at once; want %d", m, limit)
	}
}

func TestServerKilledMidCall(t *testing.T) {
	for _, mode := range []rpc.ConnMode{rpc.Pooled, rpc.Mux} {
		ts := newTestService()
		srv := &rpc.Server{}
		srv.Register("Test", ts.echo, ts.sleep)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		done := make(chan error, 1)
		srv.Poller, srv.ErrorLog = testPoller, log.New(io.Discard, "", 0)
		go func() { done <- srv.Serve(l) }()
		c := newClient(t, addr, rpc.ClientOptions{Mode: mode})

		errc := make(chan error, 1)
		go func() {
			_, err := ts.sleep.Call(context.Background(), c, &EchoReq{Msg: "hold"})
			errc <- err
		}()
		time.Sleep(50 * time.Millisecond)
		closed := make(chan struct{})
		go func() {
			srv.Close()
			close(closed)
		}()
		err = <-errc
		close(ts.release) // Close waits for the handler
		<-closed
		<-done
		var te *rpc.TransportError
		if !errors.As(err, &te) || te.Retryable {
			t.Fatalf("mode %d: call during the kill: %v", mode, err)
		}
		// A new server on the same address: the client reconnects.
		l2, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv2 := &rpc.Server{}
		srv2.Register("Test", ts.echo)
		serve(t, srv2, l2)
		var resp *EchoResp
		for i := 0; i < 3; i++ { // a pooled connection may have been half-closed in between
			if resp, err = ts.echo.Call(context.Background(), c, &EchoReq{Msg: "back"}); err == nil {
				break
			}
		}
		if err != nil || resp.Msg != "back" {
			t.Fatalf("mode %d: after the restart: %v", mode, err)
		}
	}
}

func TestGracefulShutdown(t *testing.T) {
	for _, mode := range []rpc.ConnMode{rpc.Pooled, rpc.Mux} {
		ts := newTestService()
		srv := &rpc.Server{Poller: testPoller, ErrorLog: log.New(io.Discard, "", 0)}
		srv.Register("Test", ts.echo, ts.sleep)
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		done := make(chan error, 1)
		go func() { done <- srv.Serve(l) }()
		c := newClient(t, l.Addr().String(), rpc.ClientOptions{Mode: mode})

		resc := make(chan error, 1)
		go func() {
			resp, err := ts.sleep.Call(context.Background(), c, &EchoReq{Msg: "block", N: 7})
			if err == nil && resp.N != 7 {
				err = errors.New("wrong reply")
			}
			resc <- err
		}()
		time.Sleep(50 * time.Millisecond)
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut <- srv.Shutdown(ctx)
		}()
		time.Sleep(50 * time.Millisecond)
		select {
		case err := <-shut:
			t.Fatalf("mode %d: Shutdown returned %v with a call in flight", mode, err)
		default:
		}
		// New connections are refused.
		if nc, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
			nc.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := nc.Read(make([]byte, 1)); err == nil {
				t.Errorf("mode %d: a connection accepted during shutdown", mode)
			}
			nc.Close()
		}
		close(ts.release)
		if err := <-resc; err != nil {
			t.Fatalf("mode %d: the call in flight: %v", mode, err)
		}
		if err := <-shut; err != nil {
			t.Fatalf("mode %d: Shutdown: %v", mode, err)
		}
		if err := <-done; !errors.Is(err, rpc.ErrServerClosed) {
			t.Fatalf("Serve: %v", err)
		}
	}
}

func TestDecodeErrorCloses(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	// A Framed call whose args struct holds a string running past the frame.
	msg := tw.Binary.AppendMessageBegin(nil, "Echo", tw.Call, 9)
	msg = tw.Binary.AppendFieldBegin(msg, tw.Struct, 1)
	msg = tw.Binary.AppendFieldBegin(msg, tw.String, 1)
	msg = tw.Binary.AppendI32(msg, 1000)
	msg = append(msg, "short"...)
	nc := rawConn(t, addr)
	nc.Write(frame.AppendFramed(nil, msg))
	all, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	payload, n, err := frame.DecodeFramed(all, nil)
	if err != nil || n != len(all) {
		t.Fatalf("reply %x: %v", all, err)
	}
	m, _, err := codec.Options{}.ConsumeMessage(payload, &struct{}{})
	var ae *tw.ApplicationException
	if !errors.As(err, &ae) || ae.Type != tw.ProtocolError || m.SeqID != 9 || m.Name != "Echo" {
		t.Fatalf("reply %+v: %v", m, err)
	}
}

func TestUnknownOnewayKeepsServing(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	c := newClient(t, addr, rpc.ClientOptions{Transport: rpc.Framed})
	if err := rpc.CallOneway(context.Background(), c, "Nope", &EchoReq{}); err != nil {
		t.Fatal(err)
	}
	if resp, err := ts.echo.Call(context.Background(), c, &EchoReq{Msg: "ok"}); err != nil || resp.Msg != "ok" {
		t.Fatalf("after an unknown oneway call: %v", err)
	}
}

// echoResult is Echo's result struct, for the fallback to write.
type echoResult struct {
	Success *EchoResp `thrift:"success,0,optional"`
}

func TestFallback(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := &rpc.Server{Fallback: func(ctx context.Context, call *rpc.RawCall) (*rpc.RawResult, error) {
		i := rpc.InfoFrom(ctx)
		mu.Lock()
		got = append(got, i.Service+"."+i.Method)
		mu.Unlock()
		if i.Method == "Broken" {
			return nil, errors.New("cannot")
		}
		var args struct {
			Req *EchoReq `thrift:"req,1"`
		}
		o := codec.Options{Protocol: call.Protocol}
		if err := o.Unmarshal(call.Args, &args); err != nil {
			return nil, err
		}
		b, err := o.Marshal(&echoResult{Success: &EchoResp{Msg: "via fallback: " + args.Req.Msg}})
		return &rpc.RawResult{Result: b}, err
	}}
	addr := serve(t, srv, nil)
	for _, tr := range []rpc.Transport{rpc.TTHeader, rpc.THeaderCompact} {
		c := newClient(t, addr, rpc.ClientOptions{Transport: tr})
		resp, err := rpc.Call[EchoReq, EchoResp](context.Background(), c, "Anything", &EchoReq{Msg: "x"})
		if err != nil || resp.Msg != "via fallback: x" {
			t.Fatalf("%v: %v %+v", tr, err, resp)
		}
		_, err = rpc.Call[EchoReq, EchoResp](context.Background(), c, "Broken", &EchoReq{})
		var ae *tw.ApplicationException
		if !errors.As(err, &ae) || ae.Type != tw.InternalError {
			t.Fatalf("%v: %v", tr, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "Test.Anything"; got[0] != want {
		t.Errorf("fallback saw %q, want %q", got[0], want)
	}
}

// AddArgs and AddResult are a generated-style args and result pair: two
// parameters, a scalar result.
type AddArgs struct {
	A int32 `thrift:"a,1"`
	B int32 `thrift:"b,2"`
}

type AddResult struct {
	Success *int32 `thrift:"success,0,optional"`
	Oops    *Oops  `thrift:"oops,1,optional"`
}

func TestWholeArgsAndResult(t *testing.T) {
	add := rpc.NewMethod("Add", func(ctx context.Context, a *AddArgs) (*AddResult, error) {
		if a.A < 0 {
			return &AddResult{Oops: &Oops{Why: "negative"}}, nil
		}
		sum := a.A + a.B
		return &AddResult{Success: &sum}, nil
	}, rpc.WholeArgs(), rpc.WholeResult())
	void := rpc.NewMethod("Void", func(ctx context.Context, _ *struct{}) (*struct{}, error) {
		return nil, nil
	})
	var srv rpc.Server
	if err := srv.Register("Test", add, void); err != nil {
		t.Fatal(err)
	}
	addr := serve(t, &srv, nil)
	for _, tr := range []rpc.Transport{rpc.TTHeader, rpc.BufferedCompact} {
		c := newClient(t, addr, rpc.ClientOptions{Transport: tr})
		r, err := add.Call(context.Background(), c, &AddArgs{A: 2, B: 40})
		if err != nil || r.Success == nil || *r.Success != 42 {
			t.Fatalf("%v: %v %+v", tr, err, r)
		}
		r, err = add.Call(context.Background(), c, &AddArgs{A: -1})
		if err != nil || r.Oops == nil || r.Oops.Why != "negative" {
			t.Fatalf("%v: %v %+v", tr, err, r)
		}
		if _, err := void.Call(context.Background(), c, &struct{}{}); err != nil {
			t.Fatalf("%v: void: %v", tr, err)
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	type bad struct {
		F chan int `thrift:"f,1"`
	}
	h := func(context.Context, *EchoReq) (*EchoResp, error) { return nil, nil }
	for name, m := range map[string]rpc.AnyMethod{
		"request not a struct": rpc.NewMethod("M", func(context.Context, *int) (*EchoResp, error) { return nil, nil }),
		"uncodable field":      rpc.NewMethod("M", func(context.Context, *bad) (*EchoResp, error) { return nil, nil }),
		"exception id 0":       rpc.NewMethod("M", h, rpc.Throws[Oops](0)),
		"duplicate exception":  rpc.NewMethod("M", h, rpc.Throws[Oops](1), rpc.Throws[Oops](1)),
		"no name":              rpc.NewMethod("", h),
	} {
		var srv rpc.Server
		if err := srv.Register("S", m); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	var srv rpc.Server
	m := rpc.NewMethod("M", h)
	if err := srv.Register("S", m, m); err == nil {
		t.Error("a method registered twice")
	}
	srv.Register("T", m)
	if err := srv.Register("T", m); err == nil {
		t.Error("a service registered twice")
	}
}

func TestPersistentMetaForwarded(t *testing.T) {
	ts := newTestService()
	_, backend := startServer(t, ts, nil)
	down := newClient(t, backend, rpc.ClientOptions{Mode: rpc.Mux})
	relay := rpc.NewMethod("Relay", func(ctx context.Context, r *EchoReq) (*EchoResp, error) {
		return ts.meta.Call(ctx, down, r)
	})
	var srv rpc.Server
	srv.Register("Test", relay)
	front := serve(t, &srv, nil)
	c := newClient(t, front, rpc.ClientOptions{})
	ctx := rpc.WithPersistentMeta(rpc.WithMeta(context.Background(), "hop", "one"), "trace", "t-9")
	for key, want := range map[string]string{"trace": "t-9", "hop": ""} {
		resp, err := relay.Call(ctx, c, &EchoReq{Msg: key})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Msg != want {
			t.Errorf("the second hop read %s=%q, want %q", key, resp.Msg, want)
		}
	}
}

func TestTLS(t *testing.T) {
	ca, serverCert, clientCert := testCerts(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	ts := newTestService()
	_, addr := startServer(t, ts, func(s *rpc.Server) {
		s.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{serverCert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool,
		}
	})
	for _, mode := range []rpc.ConnMode{rpc.Pooled, rpc.Mux, rpc.Short} {
		c := newClient(t, addr, rpc.ClientOptions{Mode: mode, TLSConfig: &tls.Config{
			RootCAs:      pool,
			Certificates: []tls.Certificate{clientCert},
		}})
		for i := 0; i < 3; i++ {
			resp, err := ts.echo.Call(context.Background(), c, &EchoReq{Msg: "secret"})
			if err != nil || resp.Msg != "secret" {
				t.Fatalf("mode %d: %v", mode, err)
			}
		}
	}
	// Without a client certificate the handshake fails.
	c := newClient(t, addr, rpc.ClientOptions{TLSConfig: &tls.Config{RootCAs: pool}})
	if _, err := ts.echo.Call(context.Background(), c, &EchoReq{}); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	// Nor does a plain client get an answer.
	plain := newClient(t, addr, rpc.ClientOptions{ConnectTimeout: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := ts.echo.Call(ctx, plain, &EchoReq{}); err == nil {
		t.Fatal("a plain client was served by a TLS server")
	}
}

// testCerts makes a CA and a server and a client certificate it signs.
func testCerts(t *testing.T) (*x509.Certificate, tls.Certificate, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "127.0.0.1"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	return ca, leaf(2, x509.ExtKeyUsageServerAuth), leaf(3, x509.ExtKeyUsageClientAuth)
}

// TestOnewayCalledAsCall: Apache's Go client sends a oneway call as a
// Call message; the server knows the method is oneway and sends nothing.
func TestOnewayCalledAsCall(t *testing.T) {
	ts := newTestService()
	_, addr := startServer(t, ts, nil)
	nc := rawConn(t, addr)
	o := codec.Options{}
	ping, _ := o.AppendMessage(nil, codec.Message{Name: "Ping", Type: tw.Call, SeqID: 1}, &struct {
		Req *EchoReq `thrift:"req,1"`
	}{&EchoReq{Msg: "as call"}})
	echo, _ := o.AppendMessage(nil, codec.Message{Name: "Echo", Type: tw.Call, SeqID: 2}, &struct {
		Req *EchoReq `thrift:"req,1"`
	}{&EchoReq{Msg: "next"}})
	nc.Write(append(frame.AppendFramed(nil, ping), frame.AppendFramed(nil, echo)...))
	if got := <-ts.pinged; got != "as call" {
		t.Fatalf("pinged %q", got)
	}
	var size [4]byte
	if _, err := io.ReadFull(nc, size[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(size[0])<<24|int(size[1])<<16|int(size[2])<<8|int(size[3]))
	if _, err := io.ReadFull(nc, body); err != nil {
		t.Fatal(err)
	}
	var res echoResult
	m, _, err := o.ConsumeMessage(body, &res)
	if err != nil || m.Name != "Echo" || m.SeqID != 2 || res.Success.Msg != "next" {
		t.Fatalf("first reply %+v %v: %+v", m, err, res.Success)
	}
}
