package interop

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bytedance/gopkg/cloud/metainfo"
	kclient "github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/client/callopt"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/pkg/serviceinfo"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/transport"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	kitexecho "github.com/ringwire/ringwire/interop/internal/kitexecho"
	"github.com/ringwire/ringwire/rpc"
)

// kitexHandler is the Echo service on Kitex, as its generated interface
// wants it.
type kitexHandler struct{ pinged chan string }

func (h *kitexHandler) Echo(ctx context.Context, m *Msg) (*Msg, error) {
	switch m.Text {
	case "oops":
		return nil, &kitexecho.Oops{Why: "because", Code: 7}
	case "fail":
		return nil, errors.New("plain failure")
	case "status":
		return nil, kerrors.NewBizStatusErrorWithExtra(1234, "over quota", map[string]string{"k": "v"})
	case "meta":
		out := &Msg{Text: "meta", Meta: map[string]string{}}
		for k, v := range metainfo.GetAllValues(ctx) {
			out.Meta[k] = v
		}
		for k, v := range metainfo.GetAllPersistentValues(ctx) {
			out.Meta["persist:"+k] = v
		}
		metainfo.SendBackwardValue(ctx, "server-said", "hi")
		return out, nil
	case "peer":
		return &Msg{Text: rpcinfo.GetRPCInfo(ctx).From().Address().String()}, nil
	}
	return m, nil
}

func (h *kitexHandler) Sleep(ctx context.Context, m *Msg) (*Msg, error) {
	time.Sleep(time.Duration(m.N) * time.Millisecond)
	return m, nil
}

func (h *kitexHandler) Ping(ctx context.Context, m *Msg) error {
	h.pinged <- m.Text
	return nil
}

// kitexServiceInfo is the Echo service's description for Kitex, written
// by hand over the generated args and result structs (the kitex tool's
// service package would say the same). withNope adds a method no server
// has, for a client to call.
func kitexServiceInfo(withNope bool) *serviceinfo.ServiceInfo {
	methods := map[string]serviceinfo.MethodInfo{
		"echo": serviceinfo.NewMethodInfo(func(ctx context.Context, h, a, r any) error {
			resp, err := h.(kitexecho.Echo).Echo(ctx, a.(*kitexecho.EchoEchoArgs).M)
			var oops *kitexecho.Oops
			if errors.As(err, &oops) {
				r.(*kitexecho.EchoEchoResult).Oops = oops
				return nil
			}
			if err != nil {
				return err
			}
			r.(*kitexecho.EchoEchoResult).Success = resp
			return nil
		}, func() any { return kitexecho.NewEchoEchoArgs() }, func() any { return kitexecho.NewEchoEchoResult() }, false),
		"sleep": serviceinfo.NewMethodInfo(func(ctx context.Context, h, a, r any) error {
			resp, err := h.(kitexecho.Echo).Sleep(ctx, a.(*kitexecho.EchoSleepArgs).M)
			if err != nil {
				return err
			}
			r.(*kitexecho.EchoSleepResult).Success = resp
			return nil
		}, func() any { return kitexecho.NewEchoSleepArgs() }, func() any { return kitexecho.NewEchoSleepResult() }, false),
		"ping": serviceinfo.NewMethodInfo(func(ctx context.Context, h, a, r any) error {
			return h.(kitexecho.Echo).Ping(ctx, a.(*kitexecho.EchoPingArgs).M)
		}, func() any { return kitexecho.NewEchoPingArgs() }, nil, true),
	}
	if withNope {
		methods["nope"] = serviceinfo.NewMethodInfo(nil, func() any { return kitexecho.NewEchoEchoArgs() }, func() any { return kitexecho.NewEchoEchoResult() }, false)
	}
	return &serviceinfo.ServiceInfo{
		ServiceName:  "Echo",
		HandlerType:  (*kitexecho.Echo)(nil),
		Methods:      methods,
		PayloadCodec: serviceinfo.Thrift,
		Extra:        map[string]any{"PackageName": "echo"},
	}
}

// serveKitex starts a Kitex server of the Echo service; mux makes it take
// multiplexed connections (Kitex asks for it on the server).
func serveKitex(t *testing.T, mux bool) (string, <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &kitexHandler{pinged: make(chan string, 16)}
	opts := []server.Option{
		server.WithListener(l),
		server.WithMetaHandler(transmeta.ServerTTHeaderHandler),
		server.WithExitWaitTime(10 * time.Millisecond),
	}
	if mux {
		opts = append(opts, server.WithMuxTransport())
	}
	svr := server.NewServer(opts...)
	if err := svr.RegisterService(kitexServiceInfo(false), h); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svr.Run() }()
	t.Cleanup(func() {
		svr.Stop()
		<-done
	})
	return l.Addr().String(), h.pinged
}

// TestRingwireClientKitexServer: ringwire's client against a Kitex server
// on every transport they share.
func TestRingwireClientKitexServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts rpc.ClientOptions
		mux  bool
	}{
		{"TTHeader", rpc.ClientOptions{Transport: rpc.TTHeader}, false},
		{"TTHeaderFramed", rpc.ClientOptions{Transport: rpc.TTHeaderFramed}, false},
		{"Framed", rpc.ClientOptions{Transport: rpc.Framed}, false},
		{"Buffered", rpc.ClientOptions{Transport: rpc.Buffered}, false},
		{"TTHeader/mux", rpc.ClientOptions{Transport: rpc.TTHeader, Mode: rpc.Mux}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, pinged := serveKitex(t, tc.mux)
			c := newRingwireClient(t, addr, tc.opts)
			headers := tc.opts.Transport == rpc.TTHeader || tc.opts.Transport == rpc.TTHeaderFramed
			unknown := tw.UnknownService
			if headers {
				unknown = tw.UnknownMethod
			}
			checkRingwireClient(t, c, tc.opts.Mode == rpc.Pooled, serverTraits{
				headers: headers,
				unknown: unknown,
				pinged:  pinged,
			})
		})
	}
}

// kitexClient makes a Kitex client of addr on transport tp.
func kitexClient(t *testing.T, addr string, tp transport.Protocol, mux bool) kclient.Client {
	t.Helper()
	opts := []kclient.Option{
		kclient.WithHostPorts(addr),
		kclient.WithDestService("Echo"),
		kclient.WithMetaHandler(transmeta.ClientTTHeaderHandler),
		// PurePayload first: Kitex ORs protocols into its default, Framed.
		kclient.WithTransportProtocol(transport.PurePayload),
	}
	if tp != transport.PurePayload {
		opts = append(opts, kclient.WithTransportProtocol(tp))
	}
	if mux {
		opts = append(opts, kclient.WithMuxConnection(1))
	}
	c, err := kclient.NewClient(kitexServiceInfo(true), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cl, ok := c.(interface{ Close() error }); ok {
			cl.Close()
		}
	})
	return c
}

// TestKitexClientRingwireServer: Kitex's client against ringwire's server
// on every transport Kitex speaks.
func TestKitexClientRingwireServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		tp   transport.Protocol
		mux  bool
	}{
		{"TTHeader", transport.TTHeader, false},
		{"TTHeaderFramed", transport.TTHeaderFramed, false},
		{"Framed", transport.Framed, false},
		{"Buffered", transport.PurePayload, false},
		{"TTHeader/mux", transport.TTHeader, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, pinged := serveRingwire(t)
			c := kitexClient(t, addr, tc.tp, tc.mux)
			headers := tc.tp&transport.TTHeader != 0
			checkKitexClient(t, c, headers, pinged)
		})
	}
}

func checkKitexClient(t *testing.T, c kclient.Client, headers bool, pinged <-chan string) {
	t.Helper()
	ctx := context.Background()
	echo := func(ctx context.Context, m *Msg) (*kitexecho.EchoEchoResult, error) {
		res := kitexecho.NewEchoEchoResult()
		err := c.Call(ctx, "echo", &kitexecho.EchoEchoArgs{M: m}, res)
		return res, err
	}
	for _, data := range [][]byte{[]byte("small"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)} {
		res, err := echo(ctx, &Msg{Text: "echo", N: 42, Data: data})
		if err != nil {
			t.Fatalf("echo of %d bytes: %v", len(data), err)
		}
		if s := res.Success; s == nil || s.Text != "echo" || s.N != 42 || !bytes.Equal(s.Data, data) {
			t.Fatalf("echo of %d bytes: got %+v", len(data), s)
		}
	}

	res, err := echo(ctx, &Msg{Text: "oops"})
	if err != nil || res.Oops == nil || res.Oops.Why != "because" || res.Oops.Code != 7 {
		t.Errorf("declared exception: %v, %+v", err, res.Oops)
	}
	_, err = echo(ctx, &Msg{Text: "fail"})
	if err == nil || !strings.Contains(err.Error(), "plain failure") {
		t.Errorf("handler error: %v", err)
	}
	err = c.Call(ctx, "nope", &kitexecho.EchoEchoArgs{M: &Msg{}}, kitexecho.NewEchoEchoResult())
	var te interface{ TypeId() int32 }
	want := int32(tw.UnknownService)
	if headers {
		want = int32(tw.UnknownMethod)
	}
	if !errors.As(err, &te) || te.TypeId() != want {
		t.Errorf("unknown method: %v, want exception type %d", err, want)
	}

	if headers {
		_, err = echo(ctx, &Msg{Text: "status"})
		st, ok := kerrors.FromBizStatusError(err)
		if !ok || st.BizStatusCode() != 1234 || st.BizMessage() != "over quota" || st.BizExtra()["k"] != "v" {
			t.Errorf("business status: %v", err)
		}
		mctx := metainfo.WithPersistentValue(metainfo.WithValue(ctx, "who", "kitex"), "trace", "t-1")
		mctx = metainfo.WithBackwardValues(mctx)
		res, err := echo(mctx, &Msg{Text: "meta"})
		if err != nil {
			t.Fatalf("meta: %v", err)
		}
		if m := res.Success.Meta; m["who"] != "kitex" || m["trace"] != "t-1" {
			t.Errorf("the server read metadata %v", m)
		}
		if v, _ := metainfo.RecvBackwardValue(mctx, "server-said"); v != "hi" {
			t.Errorf("reply metadata: %q", v)
		}
	}

	if err := c.Call(ctx, "ping", &kitexecho.EchoPingArgs{M: &Msg{Text: "pinged"}}, nil); err != nil {
		t.Fatalf("oneway: %v", err)
	}
	select {
	case got := <-pinged:
		if got != "pinged" {
			t.Errorf("oneway delivered %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("oneway never arrived")
	}

	dctx := kclient.NewCtxWithCallOptions(ctx, []callopt.Option{callopt.WithRPCTimeout(50 * time.Millisecond)})
	err = c.Call(dctx, "sleep", &kitexecho.EchoSleepArgs{M: &Msg{N: 300}}, kitexecho.NewEchoSleepResult())
	if !errors.Is(err, kerrors.ErrRPCTimeout) {
		t.Errorf("a call past its deadline: %v", err)
	}
	if res, err := echo(ctx, &Msg{Text: "after"}); err != nil || res.Success.Text != "after" {
		t.Fatalf("after a timeout: %v", err)
	}

	a, err1 := echo(ctx, &Msg{Text: "peer"})
	b, err2 := echo(ctx, &Msg{Text: "peer"})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a.Success.Text != b.Success.Text {
		t.Errorf("two calls in a row came from %s and %s: Kitex's connection was not reused", a.Success.Text, b.Success.Text)
	}
}
