package echo_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/ringwire/ringwire/examples/echo/echo"
	"github.com/ringwire/ringwire/rpc"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Clients dial on conn.Dial's default poller, which lives as long as
	// the process by design.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/ringwire/ringwire/poller.(*Loop).run"))
}

// TestExample runs what the example's server and client do.
func TestExample(t *testing.T) {
	var srv rpc.Server
	if err := srv.Register(echo.Service, echo.Echo, echo.Ping); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	defer func() {
		srv.Shutdown(context.Background())
		<-done
	}()
	cli, err := rpc.NewClient(echo.Service, rpc.ClientOptions{Resolver: rpc.Addrs{l.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	if resp, err := echo.Echo.Call(rpc.WithMeta(ctx, "shout", "yes"), cli, &echo.Msg{Text: "hi"}); err != nil || resp.Text != "HI" {
		t.Fatalf("echo: %v %+v", err, resp)
	}
	var oops *echo.Oops
	if _, err := echo.Echo.Call(ctx, cli, &echo.Msg{}); !errors.As(err, &oops) {
		t.Fatalf("echo of nothing: %v", err)
	}
	if _, err := echo.Ping.Call(ctx, cli, &echo.Msg{Text: "ping"}); err != nil {
		t.Fatal(err)
	}
}
