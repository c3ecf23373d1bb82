package main

import (
	"fmt"
	"strings"
	"time"

	rpcbench "github.com/ringwire/ringwire/bench/rpc"
)

// rpcConfig sizes the rpc suite: a 1 KiB echo call between ringwire's rpc
// and Kitex, each as server and client.
type rpcConfig struct {
	rounds           int
	warmup, duration time.Duration
}

// rpcMedian is the medians of one pair's runs of one case.
type rpcMedian struct {
	server, client, qps, p50, p99, p999, sallocs, callocs float64
}

func runRPC(cfg rpcConfig) (string, error) {
	d := rpcbench.NewDriver()
	defer d.Close()
	cases := rpcbench.Cases(cfg.warmup, cfg.duration)
	key := func(c rpcbench.Case, p rpcbench.Pair) string { return c.String() + "|" + p.String() }
	results, err := interleaved("rpc", cfg.rounds, cases, rpcbench.Pairs, key, d.Run)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### rpc: 1 KiB echo call, ringwire against Kitex\n\n")
	fmt.Fprintf(&b, "An echo method whose message carries 1 KiB of data, on TTHeader, called by 100 goroutines "+
		"in a loop; server and client are separate processes, the server pinned to CPU 1 and the client to CPU 0, "+
		"GOMAXPROCS=1 each (bench/rpc). Both sides code the same Kitex-generated structs. ringwire: rpc.Server, "+
		"rpc.Client (pooled: 100 idle connections allowed; mux: one connection). Kitex v0.15.2: server with the "+
		"TTHeader meta handler (and WithMuxTransport for mux), client with TTHeader, a long-connection pool of "+
		"100 idle (mux: WithMuxConnection(1)). CPU is each process's own rusage over the client's measured "+
		"window, per call; allocations are runtime.MemStats.Mallocs over the same window, per call. Goals "+
		"(issue 7): server and client CPU per call at most 0.6x Kitex's, p99 no worse.\n\n")
	b.WriteString("| case | client -> server | server CPU us/call | client CPU us/call | QPS | p50 us | p99 us | p999 us | server allocs/call | client allocs/call |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	var goals []string
	for _, c := range cases {
		med := map[rpcbench.Pair]rpcMedian{}
		for _, p := range rpcbench.Pairs {
			rs := results[key(c, p)]
			get := func(f func(rpcbench.Result) float64) float64 {
				var xs []float64
				for _, r := range rs {
					xs = append(xs, f(r))
				}
				return median(xs)
			}
			m := rpcMedian{
				server:  get(func(r rpcbench.Result) float64 { return r.ServerCPUus }),
				client:  get(func(r rpcbench.Result) float64 { return r.ClientCPUus }),
				qps:     get(func(r rpcbench.Result) float64 { return r.QPS }),
				p50:     get(func(r rpcbench.Result) float64 { return r.P50us }),
				p99:     get(func(r rpcbench.Result) float64 { return r.P99us }),
				p999:    get(func(r rpcbench.Result) float64 { return r.P999us }),
				sallocs: get(func(r rpcbench.Result) float64 { return r.ServerAllocs }),
				callocs: get(func(r rpcbench.Result) float64 { return r.ClientAllocs }),
			}
			med[p] = m
			fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f |\n",
				c, p, m.server, m.client, m.qps, m.p50, m.p99, m.p999, m.sallocs, m.callocs)
		}
		rw, kx := med[rpcbench.Pair{Client: "ringwire", Server: "ringwire"}], med[rpcbench.Pair{Client: "kitex", Server: "kitex"}]
		kxToRw, kxToKx := med[rpcbench.Pair{Client: "kitex", Server: "ringwire"}], kx
		rwToKx := med[rpcbench.Pair{Client: "ringwire", Server: "kitex"}]
		goals = append(goals, fmt.Sprintf("- %s: each against itself, server CPU %s Kitex's, client CPU %s, p99 %s. "+
			"Against the same peer: ringwire's server with Kitex's client %s Kitex's server; ringwire's client "+
			"with Kitex's server %s Kitex's client.",
			c, ratio(rw.server, kx.server), ratio(rw.client, kx.client), ratio(rw.p99, kx.p99),
			ratio(kxToRw.server, kxToKx.server), ratio(rwToKx.client, kxToKx.client)))
	}
	fmt.Fprintf(&b, "\nRatios (ringwire / Kitex, medians):\n\n%s\n", strings.Join(goals, "\n"))
	fmt.Fprintf(&b, "\nIn a closed loop the slower side sets the pace, and a server's CPU per call grows as its "+
		"load falls (fewer calls per wake-up): the cross pairs run at the pace of the slower peer. "+
		"The pooled p999 of ringwire's client against Kitex's server (about 20 ms on 2026-12-04) is the Kitex "+
		"server's at GOMAXPROCS=1, met by the bursts of an io_uring client's batched sends (a guess, not profiled: "+
		"netpoll's poller blocked in epoll_wait holding the one P while handlers wait); with the server at "+
		"GOMAXPROCS=2 the same pair's p999 was 4.9 ms, Kitex's own client's 4.5 ms.\n")
	fmt.Fprintf(&b, "\nMedians of %d interleaved rounds of %v warm-up + %v measured per case and pair. Machine: %s. "+
		"Run %s.\nReproduce: `cd bench && go run ./cmd/benchtab -suite rpc -rpc-rounds %d -rpc-warmup %v -rpc-duration %v`.\n",
		cfg.rounds, cfg.warmup, cfg.duration, machine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		cfg.rounds, cfg.warmup, cfg.duration)
	return b.String(), nil
}
