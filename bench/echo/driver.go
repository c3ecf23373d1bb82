// Package echo drives the side-by-side framed-echo benchmark: the servers
// under servers/ (ringwire's poller on epoll and on io_uring, netpoll, gnet,
// Go's net, iouring-go, and a C floor), all speaking one protocol, and the
// load client under client/.
//
// The protocol: the client sends frames of a 4-byte big-endian length and
// the payload; the server replies with the identical frame, built from a copy
// of the bytes it received. A server takes -addr 127.0.0.1:PORT and runs
// until SIGTERM; on SIGUSR1 and at exit it prints one JSON line of its
// resource usage (getrusage(RUSAGE_SELF), and for ringwire the poller's own
// count of system calls).
//
// Run builds the binaries once per Driver (into a temporary directory),
// starts the server pinned to one CPU and the client pinned to the other,
// both with GOMAXPROCS=1, samples the server's usage when the client's
// measured window opens and when it closes, and reports the server's CPU
// time per message over that window beside the client's throughput and
// latency.
//
// From code:
//
//	d := echo.NewDriver()
//	defer d.Close()
//	for _, c := range echo.Cases(time.Second, 5*time.Second) {
//		for _, s := range echo.Servers {
//			res, err := d.Run(c, s)
//			...
//		}
//	}
//
// From the command line, a quick side-by-side table (single runs: noisy):
//
//	cd bench && go test ./echo -run TestCompare -v -args -echo.compare \
//		-echo.case '1KiB x 50 conns' -echo.warmup 1s -echo.duration 3s
//
// The binaries are built without the race detector whatever GOFLAGS says;
// iouring-go needs -tags iouringgo -ldflags=-checklinkname=0 (its go:linkname
// references into syscall), which the driver passes; cfloor needs gcc.
package echo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Servers names the poller-level servers, in the order a report lists them.
var Servers = []string{
	"cfloor",
	"ringwire-epoll",
	"ringwire-iouring",
	"gnet",
	"netpoll",
	"gonet",
	"iouring-go",
}

// ConnServers names the servers of the conn-level report: ringwire's conn
// package with each handler model on each backend, the peers' equivalents
// (gnet on its loop and with its worker pool), and the floor.
var ConnServers = []string{
	"cfloor",
	"conn-inline-epoll",
	"conn-inline-iouring",
	"conn-request-epoll",
	"conn-request-iouring",
	"gnet",
	"gnet-pool",
	"netpoll",
	"gonet",
}

// A Case is one load: Conns connections, each writing Pipeline frames of
// Size payload bytes at once and waiting for their replies, measured for
// Duration after Warmup.
type Case struct {
	Size     int
	Conns    int
	Pipeline int
	Warmup   time.Duration
	Duration time.Duration
}

// Default timings of a Case that leaves them zero.
const (
	DefaultWarmup   = time.Second
	DefaultDuration = 5 * time.Second
)

// Cases returns the benchmark's cases, each with the given warm-up and
// measured time: ping-pong at 64 B, 1 KiB and 16 KiB with 50 and 500
// connections, and 64 B frames 16 at a time on 50 connections.
func Cases(warmup, duration time.Duration) []Case {
	var cs []Case
	for _, size := range []int{64, 1 << 10, 16 << 10} {
		for _, conns := range []int{50, 500} {
			cs = append(cs, Case{Size: size, Conns: conns, Pipeline: 1, Warmup: warmup, Duration: duration})
		}
	}
	return append(cs, Case{Size: 64, Conns: 50, Pipeline: 16, Warmup: warmup, Duration: duration})
}

// String names the case, as "1KiB x 50 conns" or "64B x 50 conns x 16
// pipelined".
func (c Case) String() string {
	size := strconv.Itoa(c.Size) + "B"
	if c.Size >= 1<<10 && c.Size%(1<<10) == 0 {
		size = strconv.Itoa(c.Size>>10) + "KiB"
	}
	s := fmt.Sprintf("%s x %d conns", size, c.Conns)
	if c.Pipeline > 1 {
		s += fmt.Sprintf(" x %d pipelined", c.Pipeline)
	}
	return s
}

func (c Case) withDefaults() Case {
	if c.Pipeline <= 0 {
		c.Pipeline = 1
	}
	if c.Warmup <= 0 {
		c.Warmup = DefaultWarmup
	}
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	return c
}

// Result is one run of one server on one case. Every per-message figure is
// over the client's measured window: the server's usage sampled when it
// opened and when it closed, divided by the replies received in it.
type Result struct {
	Server string
	Case   Case

	Msgs     int64   // replies received in the window
	QPS      float64 // Msgs per second
	P50us    float64 // median round trip (Pipeline frames), microseconds
	P99us    float64 // 99th percentile round trip, microseconds
	P999us   float64 // 99.9th percentile round trip, microseconds
	MaxRSSKB int64   // the server's peak resident memory, kilobytes, at the end of the run

	CPUus          float64 // server CPU (user + system) per message, microseconds
	UserUs         float64 // server user CPU per message, microseconds
	SysUs          float64 // server system CPU per message, microseconds
	SyscallsPerMsg float64 // the server's own syscall count per message; -1 if it has none

	WindowUserNs int64 // server user CPU in the window
	WindowSysNs  int64 // server system CPU in the window
	Pinned       bool  // server and client ran pinned with taskset
}

// A BuildError reports a binary that cannot be built here.
type BuildError struct {
	Server string
	Err    error
	Output string
}

func (e *BuildError) Error() string {
	out := strings.TrimSpace(e.Output)
	if len(out) > 2000 {
		out = out[:2000] + "..."
	}
	return fmt.Sprintf("echo: building %s: %v: %s", e.Server, e.Err, out)
}

func (e *BuildError) Unwrap() error { return e.Err }

// usage is the line a server prints.
type usage struct {
	Server   string `json:"server"`
	UserNs   *int64 `json:"user_ns"`
	SysNs    *int64 `json:"sys_ns"`
	Syscalls int64  `json:"syscalls"`
	RSSKB    int64  `json:"rss_kb"`
	MaxRSSKB int64  `json:"max_rss_kb"`
}

// clientLine is any line the client prints: a mark or its result.
type clientLine struct {
	Mark   string   `json:"mark"`
	Msgs   *int64   `json:"msgs"`
	QPS    float64  `json:"qps"`
	P50us  float64  `json:"p50_us"`
	P99us  *float64 `json:"p99_us"`
	P999us float64  `json:"p999_us"`
}

// A Driver builds the binaries, once, and runs cases. Its methods may be
// called from several goroutines, but runs should not overlap: they would
// share the CPUs they are pinned to.
type Driver struct {
	// ServerCPU and ClientCPU are the CPUs that taskset pins the server and
	// the client to. If taskset is missing, either is negative, or either
	// CPU is outside this process's affinity, nothing is pinned.
	ServerCPU, ClientCPU int
	// Dir is the bench/echo source directory; by default the one this file
	// was compiled from.
	Dir string
	// Log, when set, is told what the driver does.
	Log func(format string, args ...any)

	mu   sync.Mutex
	tmp  string
	bins map[string]string
	errs map[string]error
}

// NewDriver returns a Driver that pins the server to CPU 1 and the client to
// CPU 0.
func NewDriver() *Driver { return &Driver{ServerCPU: 1, ClientCPU: 0} }

// Default is the Driver that Run uses.
var Default = NewDriver()

// Run runs server on case c with the Default driver.
func Run(c Case, server string) (Result, error) { return Default.Run(c, server) }

// Cleanup removes the Default driver's binaries.
func Cleanup() error { return Default.Close() }

// Close removes the binaries d built; a later Run builds them again.
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tmp == "" {
		return nil
	}
	err := os.RemoveAll(d.tmp)
	d.tmp, d.bins, d.errs = "", nil, nil
	return err
}

func (d *Driver) logf(format string, args ...any) {
	if d.Log != nil {
		d.Log(format, args...)
	}
}

func (d *Driver) srcDir() (string, error) {
	if d.Dir != "" {
		return d.Dir, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if ok {
		dir := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(dir, "servers")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("echo: cannot find the bench/echo sources; set Driver.Dir")
}

// Build returns the path of the named binary ("client" or a server),
// building it on first use. A *BuildError reports one that cannot be built
// here; the error is kept, and returned again without a second attempt.
func (d *Driver) Build(name string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.bins[name]; ok {
		return p, nil
	}
	if err, ok := d.errs[name]; ok {
		return "", err
	}
	p, err := d.build(name)
	if err != nil {
		var be *BuildError
		if errors.As(err, &be) {
			if d.errs == nil {
				d.errs = map[string]error{}
			}
			d.errs[name] = err
		}
		return "", err
	}
	if d.bins == nil {
		d.bins = map[string]string{}
	}
	d.bins[name] = p
	return p, nil
}

func (d *Driver) build(name string) (string, error) {
	src, err := d.srcDir()
	if err != nil {
		return "", err
	}
	if d.tmp == "" {
		if d.tmp, err = os.MkdirTemp("", "ringwire-echo-"); err != nil {
			return "", err
		}
	}
	out := filepath.Join(d.tmp, name)
	var cmd *exec.Cmd
	switch name {
	case "cfloor":
		gcc, err := exec.LookPath("gcc")
		if err != nil {
			return "", &BuildError{Server: name, Err: err}
		}
		cmd = exec.Command(gcc, "-O2", "-o", out, filepath.Join("servers", "cfloor", "cfloor.c"))
	case "client":
		cmd = goBuild(out, "./client")
	case "iouring-go":
		// Its go:linkname references into syscall fail the linker's check
		// on Go 1.23 and later; the tag keeps it out of `go build ./...`.
		cmd = goBuild(out, "./servers/iouring-go", "-tags", "iouringgo", "-ldflags=-checklinkname=0")
	default:
		if !knownServer(name) {
			return "", fmt.Errorf("echo: no server %q", name)
		}
		cmd = goBuild(out, "./servers/"+name)
	}
	cmd.Dir = src
	start := time.Now()
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", &BuildError{Server: name, Err: err, Output: string(output)}
	}
	d.logf("built %s in %v", name, time.Since(start).Round(time.Millisecond))
	return out, nil
}

// Extra names servers the driver can run that the report leaves out: a
// variant measured on request, with -echo.servers.
var Extra = []string{
	"ringwire-iouring-zc", // io_uring with zero-copy sends of 4 KiB and more
}

func knownServer(name string) bool {
	return slices.Contains(Servers, name) || slices.Contains(ConnServers, name) || slices.Contains(Extra, name)
}

// goBuild is `go build`, never with the race detector, whatever GOFLAGS the
// caller (go test -race, say) runs with: the binaries are what is measured.
func goBuild(out, pkg string, flags ...string) *exec.Cmd {
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	var env []string
	for _, kv := range os.Environ() {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			var keep []string
			for f := range strings.FieldsSeq(v) {
				if f != "-race" && f != "-race=true" && !strings.HasPrefix(f, "-cover") {
					keep = append(keep, f)
				}
			}
			kv = "GOFLAGS=" + strings.Join(keep, " ")
		}
		env = append(env, kv)
	}
	cmd.Env = env
	return cmd
}

// pinning returns the taskset prefixes for the server and the client, or
// nils when they cannot be pinned.
func (d *Driver) pinning() (server, client []string) {
	if d.ServerCPU < 0 || d.ClientCPU < 0 || d.ServerCPU == d.ClientCPU {
		return nil, nil
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return nil, nil
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil || !set.IsSet(d.ServerCPU) || !set.IsSet(d.ClientCPU) {
		return nil, nil
	}
	return []string{taskset, "-c", strconv.Itoa(d.ServerCPU)}, []string{taskset, "-c", strconv.Itoa(d.ClientCPU)}
}

// Run runs one server on one case and returns what it measured. It kills
// nothing but the processes it started.
func (d *Driver) Run(c Case, server string) (Result, error) {
	c = c.withDefaults()
	res := Result{Server: server, Case: c}
	if !knownServer(server) {
		return res, fmt.Errorf("echo: no server %q", server)
	}
	srvBin, err := d.Build(server)
	if err != nil {
		return res, err
	}
	cliBin, err := d.Build("client")
	if err != nil {
		return res, err
	}
	port, err := freePort()
	if err != nil {
		return res, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	srvPin, cliPin := d.pinning()
	res.Pinned = srvPin != nil

	srv, err := startProc(server, append(srvPin, srvBin, "-addr", addr))
	if err != nil {
		return res, err
	}
	defer srv.kill()
	if err := srv.waitListening(addr, 10*time.Second); err != nil {
		return res, err
	}

	cli, err := startProc("client", append(cliPin, cliBin,
		"-addr", addr,
		"-conns", strconv.Itoa(c.Conns),
		"-size", strconv.Itoa(c.Size),
		"-pipeline", strconv.Itoa(c.Pipeline),
		"-warmup", c.Warmup.String(),
		"-duration", c.Duration.String(),
		"-marks"))
	if err != nil {
		return res, err
	}
	defer cli.kill()

	var (
		before, after *usage
		out           *clientLine
	)
	deadline := time.After(c.Warmup + c.Duration + 2*time.Minute)
	for out == nil {
		var line string
		select {
		case l, ok := <-cli.lines:
			if !ok {
				<-cli.done
				return res, fmt.Errorf("echo: client against %s: %v%s", server, cli.err, cli.stderrNote())
			}
			line = l
		case <-deadline:
			return res, fmt.Errorf("echo: client against %s did not finish in time%s", server, cli.stderrNote())
		}
		var l clientLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			return res, fmt.Errorf("echo: client printed %q: %v", line, err)
		}
		switch {
		case l.Mark == "start":
			if before, err = srv.sample(); err != nil {
				return res, err
			}
		case l.Mark == "end":
			if after, err = srv.sample(); err != nil {
				return res, err
			}
		case l.Msgs != nil && l.P99us != nil:
			out = &l
		default:
			return res, fmt.Errorf("echo: client printed %q", line)
		}
	}
	select {
	case <-cli.done:
	case <-time.After(30 * time.Second):
		return res, fmt.Errorf("echo: client against %s did not exit", server)
	}
	if cli.err != nil {
		return res, fmt.Errorf("echo: client against %s: %v%s", server, cli.err, cli.stderrNote())
	}
	if before == nil || after == nil {
		return res, fmt.Errorf("echo: client printed no window marks")
	}
	final, err := srv.terminate()
	if err != nil {
		return res, err
	}
	if final.Server != server {
		return res, fmt.Errorf("echo: server %s calls itself %q", server, final.Server)
	}

	res.Msgs, res.QPS, res.P50us, res.P99us, res.P999us = *out.Msgs, out.QPS, out.P50us, *out.P99us, out.P999us
	res.MaxRSSKB = final.MaxRSSKB
	res.WindowUserNs = *after.UserNs - *before.UserNs
	res.WindowSysNs = *after.SysNs - *before.SysNs
	res.SyscallsPerMsg = -1
	if res.Msgs > 0 {
		m := float64(res.Msgs)
		res.UserUs = float64(res.WindowUserNs) / 1e3 / m
		res.SysUs = float64(res.WindowSysNs) / 1e3 / m
		res.CPUus = res.UserUs + res.SysUs
		if before.Syscalls >= 0 && after.Syscalls >= 0 {
			res.SyscallsPerMsg = float64(after.Syscalls-before.Syscalls) / m
		}
	}
	return res, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// proc is a process the driver started, with its standard output as lines.
type proc struct {
	name   string
	cmd    *exec.Cmd
	lines  chan string // closed once the process has exited
	stderr *tailBuffer
	done   chan struct{}
	err    error // the exit status, once done is closed
}

func startProc(name string, argv []string) (*proc, error) {
	p := &proc{
		name:   name,
		lines:  make(chan string, 256),
		stderr: &tailBuffer{max: 16 << 10},
		done:   make(chan struct{}),
	}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	p.cmd.Stdout = &lineWriter{lines: p.lines}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("echo: starting %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait() // returns once stdout is copied
		close(p.lines)
		close(p.done)
	}()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) stderrNote() string {
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		return "; stderr: " + s
	}
	return ""
}

// waitListening dials addr until it accepts.
func (p *proc) waitListening(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var dialer net.Dialer
	for {
		if p.exited() {
			return fmt.Errorf("echo: %s exited before listening: %v%s", p.name, p.err, p.stderrNote())
		}
		attempt, cancelAttempt := context.WithTimeout(ctx, 200*time.Millisecond)
		c, err := dialer.DialContext(attempt, "tcp4", addr)
		cancelAttempt()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("echo: %s not listening on %s after %v: %v%s", p.name, addr, timeout, err, p.stderrNote())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// readUsage waits for the next usage line, passing over lines that are not
// JSON: a library's chatter.
func (p *proc) readUsage(timeout time.Duration) (*usage, error) {
	expire := time.After(timeout)
	for {
		var line string
		select {
		case l, ok := <-p.lines:
			if !ok {
				<-p.done
				return nil, fmt.Errorf("echo: %s exited: %v%s", p.name, p.err, p.stderrNote())
			}
			line = l
		case <-expire:
			return nil, fmt.Errorf("echo: %s printed no usage line within %v%s", p.name, timeout, p.stderrNote())
		}
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var u usage
		if err := json.Unmarshal([]byte(line), &u); err != nil || u.UserNs == nil || u.SysNs == nil {
			return nil, fmt.Errorf("echo: %s printed %q, not a usage line", p.name, line)
		}
		return &u, nil
	}
}

// sample asks the server for a snapshot of its usage (SIGUSR1).
func (p *proc) sample() (*usage, error) { return p.sampleWithin(5 * time.Second) }

// sampleWithin is sample with a longer wait, for a server under overload.
func (p *proc) sampleWithin(timeout time.Duration) (*usage, error) {
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return nil, fmt.Errorf("echo: signalling %s: %w", p.name, err)
	}
	return p.readUsage(timeout)
}

// terminate stops the server with SIGTERM and returns its last line.
func (p *proc) terminate() (*usage, error) {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return nil, fmt.Errorf("echo: signalling %s: %w", p.name, err)
	}
	u, err := p.readUsage(10 * time.Second)
	if err != nil {
		return nil, err
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("echo: %s did not exit after SIGTERM%s", p.name, p.stderrNote())
	}
	if p.err != nil {
		return nil, fmt.Errorf("echo: %s: %v%s", p.name, p.err, p.stderrNote())
	}
	return u, nil
}

// kill ends the process if it still runs, and waits for it.
func (p *proc) kill() {
	if !p.exited() {
		p.cmd.Process.Kill()
	}
	<-p.done
}

// lineWriter sends each complete line written to it on lines; it drops lines
// nobody reads rather than block the process that writes them.
type lineWriter struct {
	buf   []byte
	lines chan<- string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		select {
		case w.lines <- string(w.buf[:i]):
		default:
		}
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
