// Command server serves the example's Echo service on 127.0.0.1:8888 (or
// -addr) until interrupted, then shuts down gracefully.
//
//	go run ./examples/echo/server
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/ringwire/ringwire/examples/echo/echo"
	"github.com/ringwire/ringwire/rpc"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	flag.Parse()

	logCalls := func(next rpc.Endpoint) rpc.Endpoint {
		return func(ctx context.Context, req, resp any) error {
			start := time.Now()
			err := next(ctx, req, resp)
			i := rpc.InfoFrom(ctx)
			log.Printf("%s.%s from %v over %v: %v (%v)", i.Service, i.Method, i.Peer, i.Transport, err, time.Since(start))
			return err
		}
	}
	srv := &rpc.Server{Middleware: []rpc.Middleware{logCalls}}
	if err := srv.Register(echo.Service, echo.Echo, echo.Ping); err != nil {
		log.Fatal(err)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	log.Printf("serving %s on %s", echo.Service, *addr)
	if err := srv.ListenAndServe("tcp", *addr); err != rpc.ErrServerClosed {
		log.Fatal(err)
	}
}
