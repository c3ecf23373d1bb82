// Command client is the RPC benchmark's load: -conc goroutines call the
// Echo service at -addr in a loop with a -size byte message, through
// ringwire's rpc.Client or Kitex's client (-impl), on pooled or
// multiplexed TTHeader connections (-mode). After -warmup it measures for
// -duration: it signals the server (-server-pid, SIGUSR1) when the window
// opens and closes, so that the server reports its usage over the same
// window, and prints one JSON line: calls, latency percentiles, and its
// own usage over the window.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	kclient "github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/connpool"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/transport"

	"github.com/ringwire/ringwire/bench/rpc/internal/echosvc"
	kitexecho "github.com/ringwire/ringwire/bench/rpc/internal/kitexecho"
	"github.com/ringwire/ringwire/bench/rpc/internal/usage"
	"github.com/ringwire/ringwire/rpc"
)

func main() {
	impl := flag.String("impl", "ringwire", "ringwire or kitex")
	addr := flag.String("addr", "", "the server's address")
	mode := flag.String("mode", "pooled", "pooled or mux")
	conc := flag.Int("conc", 100, "concurrent callers")
	size := flag.Int("size", 1024, "bytes of data in each message")
	warmup := flag.Duration("warmup", time.Second, "time before the window")
	duration := flag.Duration("duration", 3*time.Second, "the measured window")
	serverPID := flag.Int("server-pid", 0, "the server's pid, signalled at the window's edges")
	profiles := usage.Profiles()
	flag.Parse()
	defer profiles()()

	call, closeClient, err := newCaller(*impl, *addr, *mode, *conc)
	if err != nil {
		log.Fatal(err)
	}
	defer closeClient()
	msg := &echosvc.Msg{Text: "bench", N: 1, Data: bytes.Repeat([]byte{'x'}, *size)}
	// Every caller checks a call before the load starts.
	if err := call(context.Background(), msg); err != nil {
		log.Fatal("first call: ", err)
	}

	var measuring, stopping atomic.Bool
	var calls, errs atomic.Int64
	lat := make([][]time.Duration, *conc)
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			own := make([]time.Duration, 0, 1<<16)
			ctx := context.Background()
			for !stopping.Load() {
				start := time.Now()
				err := call(ctx, msg)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				own = append(own, time.Since(start))
				calls.Add(1)
			}
			lat[i] = own
		}(i)
	}
	time.Sleep(*warmup)
	signal(*serverPID)
	before := usage.Now()
	start := time.Now()
	measuring.Store(true)
	time.Sleep(*duration)
	measuring.Store(false)
	secs := time.Since(start).Seconds()
	after := usage.Now()
	signal(*serverPID)
	stopping.Store(true)
	wg.Wait()

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))]) / 1e3
	}
	json.NewEncoder(os.Stdout).Encode(usage.Report{
		Calls: calls.Load(), Errors: errs.Load(), Secs: secs,
		P50us: pct(0.50), P99us: pct(0.99), P999us: pct(0.999),
		Usage: after.Sub(before),
	})
}

func signal(pid int) {
	if pid > 0 {
		syscall.Kill(pid, syscall.SIGUSR1)
	}
}

// newCaller makes the client and a function that makes one call.
func newCaller(impl, addr, mode string, conc int) (func(context.Context, *echosvc.Msg) error, func(), error) {
	switch impl {
	case "ringwire":
		opts := rpc.ClientOptions{
			Resolver: rpc.Addrs{addr},
			// As many idle connections as callers: the defaults (10 per
			// address) would dial and close connections all along.
			MaxIdlePerAddr: conc,
			MaxIdle:        conc,
		}
		if mode == "mux" {
			opts.Mode = rpc.Mux
		}
		c, err := rpc.NewClient("Echo", opts)
		if err != nil {
			return nil, nil, err
		}
		return func(ctx context.Context, m *echosvc.Msg) error {
			_, err := echosvc.Echo.Call(ctx, c, m)
			return err
		}, func() { c.Close() }, nil
	case "kitex":
		klog.SetOutput(io.Discard)
		opts := []kclient.Option{
			kclient.WithHostPorts(addr),
			kclient.WithDestService("Echo"),
			kclient.WithMetaHandler(transmeta.ClientTTHeaderHandler),
			kclient.WithTransportProtocol(transport.PurePayload),
			kclient.WithTransportProtocol(transport.TTHeader),
		}
		if mode == "mux" {
			opts = append(opts, kclient.WithMuxConnection(1))
		} else {
			opts = append(opts, kclient.WithLongConnection(connpool.IdleConfig{
				MaxIdlePerAddress: conc, MaxIdleGlobal: conc, MaxIdleTimeout: time.Minute,
			}))
		}
		c, err := kclient.NewClient(echosvc.KitexServiceInfo(), opts...)
		if err != nil {
			return nil, nil, err
		}
		return func(ctx context.Context, m *echosvc.Msg) error {
			res := kitexecho.NewEchoEchoResult()
			if err := c.Call(ctx, "echo", &kitexecho.EchoEchoArgs{M: m}, res); err != nil {
				return err
			}
			if res.Success == nil || len(res.Success.Data) != len(m.Data) {
				return fmt.Errorf("a wrong reply")
			}
			return nil
		}, func() {}, nil
	}
	return nil, nil, fmt.Errorf("-impl %q: ringwire or kitex", impl)
}
