package echo

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"
)

// IdleResult is a server's resident memory with Conns idle connections, each
// of which has echoed one frame.
type IdleResult struct {
	Server    string
	Conns     int
	BaseKB    int64   // resident memory before the connections
	IdleKB    int64   // resident memory with them open and idle
	PerConnKB float64 // (IdleKB - BaseKB) / Conns
}

// SlowReadResult is a server's resident memory while Conns clients write
// requests as fast as it takes them and read the replies slowly.
type SlowReadResult struct {
	Server string
	Conns  int
	RSSKB  []int64 // sampled every second from the start
	SentMB float64 // requests the clients wrote
	ReadMB float64 // replies they read
}

// Growth is the resident memory gained from the first sample to the last, in
// kilobytes: near zero for a server that bounds what it queues.
func (r SlowReadResult) Growth() int64 {
	if len(r.RSSKB) < 2 {
		return 0
	}
	return r.RSSKB[len(r.RSSKB)-1] - r.RSSKB[0]
}

// startServer builds and starts server, pinned, and waits until it listens.
func (d *Driver) startServer(server string) (srv *proc, addr string, cliPin []string, err error) {
	if !knownServer(server) {
		return nil, "", nil, fmt.Errorf("echo: no server %q", server)
	}
	srvBin, err := d.Build(server)
	if err != nil {
		return nil, "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, "", nil, err
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	srvPin, cliPin := d.pinning()
	srv, err = startProc(server, append(srvPin, srvBin, "-addr", addr))
	if err != nil {
		return nil, "", nil, err
	}
	if err := srv.waitListening(addr, 10*time.Second); err != nil {
		srv.kill()
		return nil, "", nil, err
	}
	return srv, addr, cliPin, nil
}

// markLine is a client line of the memory modes.
type markLine struct {
	Mark string `json:"mark"`
	Sent *int64 `json:"sent"`
	Read *int64 `json:"read"`
}

// nextLine waits for the client's next line.
func nextLine(cli *proc, timeout time.Duration) (markLine, error) {
	var l markLine
	select {
	case line, ok := <-cli.lines:
		if !ok {
			<-cli.done
			return l, fmt.Errorf("echo: client exited: %v%s", cli.err, cli.stderrNote())
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			return l, fmt.Errorf("echo: client printed %q: %v", line, err)
		}
		return l, nil
	case <-time.After(timeout):
		return l, fmt.Errorf("echo: client silent for %v%s", timeout, cli.stderrNote())
	}
}

// Idle measures server's resident memory per idle connection: conns
// connections, one echo of size bytes each, then a sample once they are
// idle.
func (d *Driver) Idle(server string, conns, size int) (IdleResult, error) {
	res := IdleResult{Server: server, Conns: conns}
	cliBin, err := d.Build("client")
	if err != nil {
		return res, err
	}
	srv, addr, cliPin, err := d.startServer(server)
	if err != nil {
		return res, err
	}
	defer srv.kill()
	base, err := srv.sample()
	if err != nil {
		return res, err
	}
	cli, err := startProc("client", append(cliPin, cliBin, "-addr", addr, "-mode", "idle",
		"-conns", strconv.Itoa(conns), "-size", strconv.Itoa(size), "-duration", "5m"))
	if err != nil {
		return res, err
	}
	defer cli.kill()
	l, err := nextLine(cli, 2*time.Minute)
	if err != nil {
		return res, err
	}
	if l.Mark != "idle" {
		return res, fmt.Errorf("echo: client printed mark %q, want idle", l.Mark)
	}
	time.Sleep(500 * time.Millisecond) // let the server settle: the last replies, its GC
	after, err := srv.sample()
	if err != nil {
		return res, err
	}
	cli.kill()
	if _, err := srv.terminate(); err != nil {
		return res, err
	}
	res.BaseKB, res.IdleKB = base.RSSKB, after.RSSKB
	res.PerConnKB = float64(after.RSSKB-base.RSSKB) / float64(conns)
	return res, nil
}

// SlowRead samples server's resident memory every second for dur while
// conns clients write frames of size bytes as fast as it takes them and read
// the replies at readRate bytes per second each.
func (d *Driver) SlowRead(server string, conns, size, readRate int, dur time.Duration) (SlowReadResult, error) {
	res := SlowReadResult{Server: server, Conns: conns}
	cliBin, err := d.Build("client")
	if err != nil {
		return res, err
	}
	srv, addr, cliPin, err := d.startServer(server)
	if err != nil {
		return res, err
	}
	defer srv.kill()
	cli, err := startProc("client", append(cliPin, cliBin, "-addr", addr, "-mode", "slowread",
		"-conns", strconv.Itoa(conns), "-size", strconv.Itoa(size),
		"-readrate", strconv.Itoa(readRate), "-duration", dur.String()))
	if err != nil {
		return res, err
	}
	defer cli.kill()
	l, err := nextLine(cli, time.Minute)
	if err != nil {
		return res, err
	}
	if l.Mark != "start" {
		return res, fmt.Errorf("echo: client printed mark %q, want start", l.Mark)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for sampling := true; sampling; {
		// A server without backpressure is overloaded here, and slow to
		// answer a signal; one that takes longer than this has its series
		// end there.
		u, err := srv.sampleWithin(5 * time.Second)
		if err != nil {
			return res, err
		}
		res.RSSKB = append(res.RSSKB, u.RSSKB)
		select {
		case <-tick.C:
		case line, ok := <-cli.lines:
			if !ok {
				return res, fmt.Errorf("echo: client exited: %v%s", cli.err, cli.stderrNote())
			}
			if json.Unmarshal([]byte(line), &l) != nil || l.Mark != "end" {
				return res, fmt.Errorf("echo: client printed %q", line)
			}
			sampling = false
		}
	}
	if l, err = nextLine(cli, time.Minute); err != nil {
		return res, err
	}
	if l.Sent == nil || l.Read == nil {
		return res, fmt.Errorf("echo: client printed no totals")
	}
	res.SentMB, res.ReadMB = float64(*l.Sent)/1e6, float64(*l.Read)/1e6
	if _, err := srv.terminate(); err != nil {
		return res, err
	}
	return res, nil
}
