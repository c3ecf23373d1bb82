// Command server is the RPC benchmark's server: the Echo service on
// ringwire's rpc.Server (-impl ringwire; it takes pooled and multiplexed
// connections alike) or on Kitex v0.15.2 (-impl kitex; -mux adds
// WithMuxTransport, which Kitex needs for multiplexed clients), on
// 127.0.0.1. It prints one JSON line of its usage (package usage) on
// SIGUSR1 and when SIGTERM stops it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/server"

	"github.com/ringwire/ringwire/bench/rpc/internal/echosvc"
	"github.com/ringwire/ringwire/bench/rpc/internal/usage"
	"github.com/ringwire/ringwire/rpc"
)

func main() {
	impl := flag.String("impl", "ringwire", "ringwire or kitex")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	mux := flag.Bool("mux", false, "kitex: accept multiplexed connections")
	profiles := usage.Profiles()
	flag.Parse()
	defer profiles()()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("{\"addr\":%q}\n", l.Addr().String())

	var stop func()
	switch *impl {
	case "ringwire":
		srv := &rpc.Server{ErrorLog: log.New(io.Discard, "", 0)}
		if err := srv.Register("Echo", echosvc.Echo); err != nil {
			log.Fatal(err)
		}
		go srv.Serve(l)
		stop = func() { srv.Close() }
	case "kitex":
		klog.SetOutput(io.Discard)
		opts := []server.Option{server.WithListener(l), server.WithMetaHandler(transmeta.ServerTTHeaderHandler)}
		if *mux {
			opts = append(opts, server.WithMuxTransport())
		}
		svr := server.NewServer(opts...)
		if err := svr.RegisterService(echosvc.KitexServiceInfo(), new(echosvc.KitexHandler)); err != nil {
			log.Fatal(err)
		}
		go svr.Run()
		stop = func() { svr.Stop() }
	default:
		log.Fatalf("-impl %q: ringwire or kitex", *impl)
	}

	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	enc := json.NewEncoder(os.Stdout)
	for s := range sig {
		enc.Encode(usage.Now())
		if s != syscall.SIGUSR1 {
			stop()
			return
		}
	}
}
