// Package rpcbench drives the side-by-side RPC benchmark: a 1 KiB echo
// call between ringwire's rpc and Kitex v0.15.2, each as server and as
// client, on pooled and multiplexed TTHeader connections, with 100
// concurrent callers.
//
// The server (server/) runs pinned to one CPU and the client (client/) to
// the other, each with GOMAXPROCS=1, as separate processes: each reports
// its own CPU time and allocations over the same measured window (the
// client signals the server when the window opens and closes), so the
// figures per call are each side's own. Both sides use the same
// Kitex-generated structs, so only the RPC layers differ.
//
// From the command line (benchtab runs it in rounds and writes the table
// into BENCHMARKS.md):
//
//	cd bench && go run ./cmd/benchtab -suite rpc
package rpcbench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ringwire/ringwire/bench/rpc/internal/usage"
)

// A Case is one load: the connection mode ("pooled" or "mux"), the callers
// and the message's data size.
type Case struct {
	Mode     string
	Callers  int
	Size     int
	Warmup   time.Duration
	Duration time.Duration
}

func (c Case) String() string {
	return fmt.Sprintf("%s, %d callers, %d B", c.Mode, c.Callers, c.Size)
}

// Cases are the benchmark's loads.
func Cases(warmup, duration time.Duration) []Case {
	return []Case{
		{Mode: "pooled", Callers: 100, Size: 1024, Warmup: warmup, Duration: duration},
		{Mode: "mux", Callers: 100, Size: 1024, Warmup: warmup, Duration: duration},
	}
}

// A Pair is who serves and who calls: "ringwire" or "kitex".
type Pair struct{ Client, Server string }

func (p Pair) String() string { return p.Client + " -> " + p.Server }

// Pairs are the runs of each case: each side against itself, then each
// against the other.
var Pairs = []Pair{
	{"ringwire", "ringwire"},
	{"kitex", "kitex"},
	{"ringwire", "kitex"},
	{"kitex", "ringwire"},
}

// A Result is one run's figures.
type Result struct {
	Pair
	Case
	Calls, Errors              int64
	QPS, P50us, P99us, P999us  float64
	ServerCPUus, ClientCPUus   float64 // CPU time (user + system) per call
	ServerAllocs, ClientAllocs float64 // heap allocations per call
}

// Driver builds the two programs once and runs them.
type Driver struct {
	ServerCPU, ClientCPU int
	Log                  func(format string, args ...any)

	tmp            string
	server, client string
}

// NewDriver returns a driver that pins servers to CPU 1 and clients to 0.
func NewDriver() *Driver { return &Driver{ServerCPU: 1, ClientCPU: 0} }

// Close removes the built programs.
func (d *Driver) Close() error {
	if d.tmp == "" {
		return nil
	}
	return os.RemoveAll(d.tmp)
}

func (d *Driver) build() error {
	if d.server != "" {
		return nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return errors.New("rpcbench: cannot find the sources")
	}
	src := filepath.Dir(file)
	tmp, err := os.MkdirTemp("", "ringwire-rpcbench-")
	if err != nil {
		return err
	}
	d.tmp = tmp
	for _, name := range []string{"server", "client"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(tmp, name), "./"+name)
		cmd.Dir = src
		// Never the race detector, whatever GOFLAGS says.
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("rpcbench: building %s: %v: %s", name, err, out)
		}
	}
	d.server, d.client = filepath.Join(tmp, "server"), filepath.Join(tmp, "client")
	return nil
}

// pinned runs a program on cpu with GOMAXPROCS=1.
func pinned(cpu int, name string, args ...string) *exec.Cmd {
	cmd := exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu), name}, args...)...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	return cmd
}

// Run runs one case on one pair.
func (d *Driver) Run(c Case, p Pair) (Result, error) {
	res := Result{Pair: p, Case: c}
	if err := d.build(); err != nil {
		return res, err
	}
	sargs := []string{"-impl", p.Server}
	if c.Mode == "mux" {
		sargs = append(sargs, "-mux")
	}
	srv := pinned(d.ServerCPU, d.server, sargs...)
	srv.Stderr = os.Stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return res, err
	}
	if err := srv.Start(); err != nil {
		return res, err
	}
	defer srv.Process.Kill() // on an early return; a no-op after Wait
	lines := bufio.NewScanner(out)
	var first struct{ Addr string }
	if !lines.Scan() || json.Unmarshal(lines.Bytes(), &first) != nil || first.Addr == "" {
		return res, fmt.Errorf("rpcbench: %s server did not start", p.Server)
	}

	cli := pinned(d.ClientCPU, d.client, "-impl", p.Client, "-addr", first.Addr, "-mode", c.Mode,
		"-conc", strconv.Itoa(c.Callers), "-size", strconv.Itoa(c.Size),
		"-warmup", c.Warmup.String(), "-duration", c.Duration.String(),
		"-server-pid", strconv.Itoa(srv.Process.Pid))
	cli.Stderr = os.Stderr
	cout, err := cli.Output()
	if err != nil {
		return res, fmt.Errorf("rpcbench: %v client: %v", p, err)
	}
	srv.Process.Signal(syscall.SIGTERM)
	var samples []usage.Sample
	for lines.Scan() {
		var s usage.Sample
		if json.Unmarshal(lines.Bytes(), &s) == nil {
			samples = append(samples, s)
		}
	}
	srv.Wait()
	if len(samples) < 2 {
		return res, fmt.Errorf("rpcbench: %v: the server reported %d samples", p, len(samples))
	}
	var cl usage.Report
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(cout))), &cl); err != nil {
		return res, fmt.Errorf("rpcbench: client output %q: %v", cout, err)
	}
	if cl.Calls == 0 {
		return res, fmt.Errorf("rpcbench: %v: no call completed", p)
	}
	n := float64(cl.Calls)
	sw := samples[1].Sub(samples[0])
	res.Calls, res.Errors = cl.Calls, cl.Errors
	res.QPS = n / cl.Secs
	res.P50us, res.P99us, res.P999us = cl.P50us, cl.P99us, cl.P999us
	res.ServerCPUus = float64(sw.UserNs+sw.SysNs) / n / 1e3
	res.ClientCPUus = float64(cl.Usage.UserNs+cl.Usage.SysNs) / n / 1e3
	res.ServerAllocs = float64(sw.Mallocs) / n
	res.ClientAllocs = float64(cl.Usage.Mallocs) / n
	return res, nil
}
