package rpc_test

import (
	"context"
	"fmt"
	"net"

	"github.com/ringwire/ringwire/rpc"
)

type HelloReq struct {
	Name string `thrift:"name,1"`
}

type HelloResp struct {
	Greeting string `thrift:"greeting,1"`
}

// A method, typed by its request and response structs, served and called:
// no code generator. The same Method value is registered on the server
// and called through the client.
func Example() {
	hello := rpc.NewMethod("Hello", func(ctx context.Context, req *HelloReq) (*HelloResp, error) {
		return &HelloResp{Greeting: "hello, " + req.Name}, nil
	})

	var srv rpc.Server
	if err := srv.Register("Greeter", hello); err != nil {
		panic(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	cli, err := rpc.NewClient("Greeter", rpc.ClientOptions{Resolver: rpc.Addrs{l.Addr().String()}})
	if err != nil {
		panic(err)
	}
	defer cli.Close()

	resp, err := hello.Call(context.Background(), cli, &HelloReq{Name: "ringwire"})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Greeting)
	// Output: hello, ringwire
}
