package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ringwire/ringwire/bench/echo"
)

// echoConfig sizes the poller suite: a framed echo server on each backend
// of the poller and on every peer, against one load client.
type echoConfig struct {
	rounds           int
	warmup, duration time.Duration
}

// runEcho runs every case on every server, all servers in each round, and
// returns the table.
func runEcho(cfg echoConfig) (string, error) {
	d := echo.NewDriver()
	d.Log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "benchtab: "+format+"\n", args...) }
	defer d.Close()
	cases := echo.Cases(cfg.warmup, cfg.duration)
	key := func(c echo.Case, server string) string { return c.String() + "|" + server }
	results, err := interleaved("poller", cfg.rounds, cases, echo.Servers, key, d.Run)
	if err != nil {
		return "", err
	}
	return renderEcho(cases, results, key, cfg), nil
}

// echoMedian is the medians of one server's runs of one case.
type echoMedian struct {
	cpu, user, sys, syscalls, qps, p50, p99, p999 float64
}

// medianOf takes the medians over the runs that got replies; ok is false
// when none did (a server too slow to answer within a short window).
func medianOf(rs []echo.Result) (m echoMedian, ok bool) {
	rs = slices.DeleteFunc(slices.Clone(rs), func(r echo.Result) bool { return r.Msgs == 0 })
	if len(rs) == 0 {
		return m, false
	}
	get := func(f func(echo.Result) float64) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		return median(xs)
	}
	return echoMedian{
		cpu:      get(func(r echo.Result) float64 { return r.CPUus }),
		user:     get(func(r echo.Result) float64 { return r.UserUs }),
		sys:      get(func(r echo.Result) float64 { return r.SysUs }),
		syscalls: get(func(r echo.Result) float64 { return r.SyscallsPerMsg }),
		qps:      get(func(r echo.Result) float64 { return r.QPS }),
		p50:      get(func(r echo.Result) float64 { return r.P50us }),
		p99:      get(func(r echo.Result) float64 { return r.P99us }),
		p999:     get(func(r echo.Result) float64 { return r.P999us }),
	}, true
}

// isPeer tells the servers ringwire is compared with from its own and the
// floor.
func isPeer(server string) bool {
	return server != "cfloor" && !strings.HasPrefix(server, "ringwire-")
}

func renderEcho(cases []echo.Case, results map[string][]echo.Result, key func(echo.Case, string) string, cfg echoConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### poller: framed echo\n\n")
	fmt.Fprintf(&b, "A framed echo server (4-byte length + payload, the reply built from a copy) on each "+
		"backend of the poller API alone, on each peer, and the C floor (bench/echo/servers/cfloor), "+
		"against one load client. Server CPU is the server's own rusage over the client's measured "+
		"window, per reply. Goals (issue 3): both backends within 1.05x the floor in every ping-pong "+
		"case and ahead of every peer; pipelined, io_uring at most 0.75x epoll and 0.75x gnet; "+
		"io_uring under 0.2 syscalls per message.\n\n")
	b.WriteString("| case | server | CPU us/msg (user/sys) | x floor | x best peer | syscalls/msg | QPS | p50 us | p99 us |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range cases {
		med := map[string]echoMedian{}
		best := 0.0
		for _, s := range echo.Servers {
			m, ok := medianOf(results[key(c, s)])
			if !ok {
				continue
			}
			med[s] = m
			if isPeer(s) && (best == 0 || m.cpu < best) {
				best = m.cpu
			}
		}
		for _, s := range echo.Servers {
			m, ok := med[s]
			if !ok {
				fmt.Fprintf(&b, "| %s | %s | no reply in any measured window | | | | | | |\n", c, s)
				continue
			}
			syscalls := "-"
			if m.syscalls >= 0 {
				syscalls = fmt.Sprintf("%.2f", m.syscalls)
			}
			vsPeer := "-"
			if !isPeer(s) && s != "cfloor" {
				vsPeer = ratio(m.cpu, best)
			}
			fmt.Fprintf(&b, "| %s | %s | %.2f (%.2f/%.2f) | %s | %s | %s | %.0f | %.0f | %.0f |\n",
				c, s, m.cpu, m.user, m.sys, ratio(m.cpu, med["cfloor"].cpu), vsPeer, syscalls, m.qps, m.p50, m.p99)
		}
	}
	names := slices.Clone(echo.Servers)
	fmt.Fprintf(&b, "\nServers: %s. Medians of %d interleaved rounds of %v warm-up + %v measured per case "+
		"and server; server pinned to CPU 1 and client to CPU 0, GOMAXPROCS=1 each. Machine: %s. Run %s.\n"+
		"Reproduce: `cd bench && go run ./cmd/benchtab -suite poller -echo-rounds %d -echo-warmup %v -echo-duration %v` "+
		"(`make bench-all` runs 3 rounds of 200ms + 500ms).\n",
		strings.Join(names, ", "), cfg.rounds, cfg.warmup, cfg.duration, machine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		cfg.rounds, cfg.warmup, cfg.duration)
	return b.String()
}
