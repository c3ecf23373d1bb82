package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ringwire/ringwire/bench/echo"
)

// connConfig sizes the conn suite: the framed echo on ringwire's conn
// package (each handler model on each backend) against the peers and the C
// floor, then the memory runs.
type connConfig struct {
	rounds           int
	warmup, duration time.Duration
	idleConns        int
	slowConns        int
	slowDuration     time.Duration
	extraCases       bool
}

// connCases are the cases: 1 KiB and 16 KiB ping-pong on 50 and 500
// connections, and 16 frames of 1 KiB written at once on 50; with extra, 64 B
// too.
func connCases(cfg connConfig) []echo.Case {
	var cs []echo.Case
	sizes := []int{1 << 10, 16 << 10}
	if cfg.extraCases {
		sizes = append([]int{64}, sizes...)
	}
	for _, size := range sizes {
		for _, conns := range []int{50, 500} {
			cs = append(cs, echo.Case{Size: size, Conns: conns, Pipeline: 1, Warmup: cfg.warmup, Duration: cfg.duration})
		}
	}
	return append(cs, echo.Case{Size: 1 << 10, Conns: 50, Pipeline: 16, Warmup: cfg.warmup, Duration: cfg.duration})
}

// Servers of the memory runs: cfloor has no peer's design to compare, and
// gnet-pool holds what gnet does.
var (
	idleServers = []string{"conn-inline-epoll", "conn-inline-iouring", "conn-request-epoll", "conn-request-iouring", "gnet", "netpoll", "gonet"}
	slowServers = []string{"conn-inline-epoll", "conn-request-iouring", "gnet", "netpoll", "gonet"}
)

func runConn(cfg connConfig) (string, error) {
	d := echo.NewDriver()
	d.Log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "benchtab: "+format+"\n", args...) }
	defer d.Close()
	cases := connCases(cfg)
	key := func(c echo.Case, server string) string { return c.String() + "|" + server }
	results, err := interleaved("conn", cfg.rounds, cases, echo.ConnServers, key, d.Run)
	if err != nil {
		return "", err
	}
	var idle []echo.IdleResult
	for _, s := range idleServers {
		fmt.Fprintf(os.Stderr, "benchtab: conn: idle memory, %d connections, %s\n", cfg.idleConns, s)
		res, err := d.Idle(s, cfg.idleConns, 1<<10)
		if err != nil {
			return "", fmt.Errorf("idle memory of %s: %w", s, err)
		}
		idle = append(idle, res)
	}
	slow := map[string]echo.SlowReadResult{}
	slowErr := map[string]error{}
	for _, s := range slowServers {
		fmt.Fprintf(os.Stderr, "benchtab: conn: slow readers, %d connections, %s\n", cfg.slowConns, s)
		slow[s], slowErr[s] = d.SlowRead(s, cfg.slowConns, 1<<10, 40<<10, cfg.slowDuration)
	}
	return renderConn(cases, results, key, idle, slow, slowErr, cfg), nil
}

// isConn tells ringwire's conn servers.
func isConn(server string) bool { return strings.HasPrefix(server, "conn-") }

func renderConn(cases []echo.Case, results map[string][]echo.Result, key func(echo.Case, string) string,
	idle []echo.IdleResult, slow map[string]echo.SlowReadResult, slowErr map[string]error, cfg connConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### conn: framed echo\n\n")
	fmt.Fprintf(&b, "A framed echo server (4-byte length + payload, the reply written from a copy) on ringwire's "+
		"conn package with each handler model (inline on the loop; on-request, on a pooled goroutine) on each "+
		"backend, on each peer (gnet on its loop and with its goroutine pool), and the C floor, against one load "+
		"client. Server CPU is the server's own rusage over the client's measured window, per reply; peak RSS "+
		"is the server's at the end of the run. Goals (issue 4): in ping-pong, inline within 1.05x the floor and "+
		"on-request within 1.15x, both ahead of every peer; pipelined, io_uring at most 0.75x gnet; p99 no worse "+
		"than the best peer's.\n\n")
	b.WriteString("| case | server | CPU us/msg (user/sys) | x floor | x best peer | QPS | p50 us | p99 us | p999 us | peak RSS MB |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range cases {
		med := map[string]echoMedian{}
		rss := map[string]float64{}
		best := 0.0
		for _, s := range echo.ConnServers {
			m, ok := medianOf(results[key(c, s)])
			if !ok {
				continue
			}
			med[s] = m
			var xs []float64
			for _, r := range results[key(c, s)] {
				xs = append(xs, float64(r.MaxRSSKB)/1024)
			}
			rss[s] = median(xs)
			if !isConn(s) && s != "cfloor" && (best == 0 || m.cpu < best) {
				best = m.cpu
			}
		}
		for _, s := range echo.ConnServers {
			m, ok := med[s]
			if !ok {
				fmt.Fprintf(&b, "| %s | %s | no reply in any measured window | | | | | | | |\n", c, s)
				continue
			}
			vsPeer := "-"
			if isConn(s) {
				vsPeer = ratio(m.cpu, best)
			}
			fmt.Fprintf(&b, "| %s | %s | %.2f (%.2f/%.2f) | %s | %s | %.0f | %.0f | %.0f | %.0f | %.1f |\n",
				c, s, m.cpu, m.user, m.sys, ratio(m.cpu, med["cfloor"].cpu), vsPeer, m.qps, m.p50, m.p99, m.p999, rss[s])
		}
	}
	fmt.Fprintf(&b, "\nMedians of %d interleaved rounds of %v warm-up + %v measured per case and server; server "+
		"pinned to CPU 1 and client to CPU 0, GOMAXPROCS=1 each.\n\n", cfg.rounds, cfg.warmup, cfg.duration)

	fmt.Fprintf(&b, "Idle memory: the server's resident memory with %d connections open, each after one 1 KiB "+
		"echo, less its memory before them (goal: at most 0.3 KB per connection).\n\n", cfg.idleConns)
	b.WriteString("| server | before MB | with the connections MB | KB per connection |\n|---|---|---|---|\n")
	for _, r := range idle {
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.2f |\n", r.Server, float64(r.BaseKB)/1024, float64(r.IdleKB)/1024, r.PerConnKB)
	}
	fmt.Fprintf(&b, "\nSlow readers: %d clients write 1 KiB requests as fast as the server takes them and read "+
		"the replies at 40 KiB/s each, for %v; the server's resident memory each second (goal: flat).\n\n",
		cfg.slowConns, cfg.slowDuration)
	b.WriteString("| server | RSS MB, each second | requests taken MB | replies read MB |\n|---|---|---|---|\n")
	for _, s := range slowServers {
		r, err := slow[s], slowErr[s]
		var series []string
		for _, kb := range r.RSSKB {
			series = append(series, fmt.Sprintf("%.0f", float64(kb)/1024))
		}
		if err != nil {
			series = append(series, "then no answer: "+firstLine(err.Error()))
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f |\n", s, strings.Join(series, ", "), r.SentMB, r.ReadMB)
	}
	names := slices.Clone(echo.ConnServers)
	fmt.Fprintf(&b, "\nServers: %s (bench/echo/servers). Machine: %s. Run %s.\n"+
		"Reproduce: `make bench` (or `cd bench && go run ./cmd/benchtab -suite conn -conn-rounds %d -conn-warmup %v "+
		"-conn-duration %v -idle-conns %d -slow-conns %d -slow-duration %v`; `-extra-cases` adds 64 B).\n",
		strings.Join(names, ", "), machine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		cfg.rounds, cfg.warmup, cfg.duration, cfg.idleConns, cfg.slowConns, cfg.slowDuration)
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}
