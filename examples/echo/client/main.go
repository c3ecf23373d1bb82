// Command client calls the example's Echo service at 127.0.0.1:8888 (or
// -addr): an echo, one with metadata, one that throws, and a oneway ping.
//
//	go run ./examples/echo/client -text hello
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/ringwire/ringwire/examples/echo/echo"
	"github.com/ringwire/ringwire/rpc"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "the server's address")
	text := flag.String("text", "hello", "what to echo")
	flag.Parse()

	cli, err := rpc.NewClient(echo.Service, rpc.ClientOptions{
		Resolver:   rpc.Addrs{*addr},
		RPCTimeout: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()

	resp, err := echo.Echo.Call(ctx, cli, &echo.Msg{Text: *text, N: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("echo:", resp.Text)

	loud := rpc.WithMeta(ctx, "shout", "yes")
	if resp, err = echo.Echo.Call(loud, cli, &echo.Msg{Text: *text}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("echo, shouted:", resp.Text)

	_, err = echo.Echo.Call(ctx, cli, &echo.Msg{})
	var oops *echo.Oops
	if errors.As(err, &oops) {
		fmt.Println("echo of nothing threw:", oops.Why)
	} else {
		log.Fatalf("expected Oops, got %v", err)
	}

	if _, err := echo.Ping.Call(ctx, cli, &echo.Msg{Text: "ping"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("pinged")
}
