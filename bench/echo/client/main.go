// Command client is the load generator of the framed-echo benchmark.
//
// It opens -conns connections to -addr, each run by its own goroutine that
// writes -pipeline frames (a 4-byte big-endian length and -size bytes of
// payload) in one write, then reads as many replies, and checks that they
// are the frames it sent, byte for byte: a reply of the wrong length or
// content makes the client exit with status 1. Every round stamps a sequence
// number into the payloads, so a stale or reordered reply fails too.
//
// After -warmup it measures for -duration: round trips that started and
// ended in the window are counted and their latency recorded in a fixed
// log-linear histogram, one per connection, merged at the end. It prints one
// JSON line:
//
//	{"msgs":N,"qps":Q,"p50_us":L,"p99_us":L}
//
// msgs counts the replies (frames) received in the window, qps is msgs per
// second of it. With -marks it also prints {"mark":"start"} and
// {"mark":"end"} lines when the window opens and closes, so that a driver
// can sample the server there.
//
// Two other modes measure memory rather than time:
//
//   - -mode idle opens -conns connections, echoes one frame on each, prints
//     {"mark":"idle"}, and holds them open, idle, until its standard input
//     closes or -duration has passed: the server's resident memory per idle
//     connection.
//   - -mode slowread opens -conns connections that each write frames as fast
//     as the server takes them while reading the replies at -readrate bytes
//     per second, for -duration after {"mark":"start"}: a server without
//     backpressure queues replies without end.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Phases of the run.
const (
	warmup = iota
	measuring
	stopped
)

func main() {
	var (
		addr     = flag.String("addr", "127.0.0.1:9000", "server `address`")
		conns    = flag.Int("conns", 50, "connections")
		size     = flag.Int("size", 1024, "payload bytes per frame")
		pipeline = flag.Int("pipeline", 1, "frames written at once per connection before reading their replies")
		warm     = flag.Duration("warmup", time.Second, "time before measuring")
		dur      = flag.Duration("duration", 5*time.Second, "measured time")
		marks    = flag.Bool("marks", false, "print {\"mark\":\"start\"} and {\"mark\":\"end\"} lines around the measured window")
		mode     = flag.String("mode", "echo", "echo, idle or slowread")
		readRate = flag.Int("readrate", 40<<10, "slowread: bytes per second each connection reads")
	)
	flag.Parse()
	raiseNoFile()
	switch *mode {
	case "echo":
	case "idle":
		idle(*addr, *conns, *size, *dur)
		return
	case "slowread":
		slowRead(*addr, *conns, *size, *readRate, *dur)
		return
	default:
		fail("-mode %q: echo, idle or slowread", *mode)
	}
	if *conns < 1 || *size < 0 || *pipeline < 1 || *dur <= 0 || *warm < 0 {
		fmt.Fprintln(os.Stderr, "client: need -conns >= 1, -size >= 0, -pipeline >= 1, -duration > 0, -warmup >= 0")
		os.Exit(2)
	}

	cs := make([]net.Conn, *conns)
	for i := range cs {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			fail("dial %d: %v", i, err)
		}
		// A server that stops answering fails the run instead of hanging it.
		c.SetDeadline(time.Now().Add(*warm + *dur + 30*time.Second))
		cs[i] = c
	}

	var (
		phase atomic.Int32
		start = make(chan struct{})
		wg    sync.WaitGroup
		ws    = make([]*worker, *conns)
	)
	for i, c := range cs {
		w := newWorker(i, c, *size, *pipeline)
		ws[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := w.run(&phase); err != nil {
				fail("connection %d: %v", i, err)
			}
		}()
	}

	close(start)
	time.Sleep(*warm)
	phase.Store(measuring)
	t0 := time.Now()
	if *marks {
		printJSON(map[string]string{"mark": "start"})
	}
	time.Sleep(*dur)
	phase.Store(stopped)
	window := time.Since(t0)
	if *marks {
		printJSON(map[string]string{"mark": "end"})
	}
	wg.Wait()
	for _, c := range cs {
		c.Close()
	}

	var (
		h    histogram
		msgs int64
	)
	for _, w := range ws {
		h.merge(&w.hist)
		msgs += w.msgs
	}
	printJSON(struct {
		Msgs   int64   `json:"msgs"`
		QPS    float64 `json:"qps"`
		P50us  float64 `json:"p50_us"`
		P99us  float64 `json:"p99_us"`
		P999us float64 `json:"p999_us"`
	}{msgs, float64(msgs) / window.Seconds(), h.quantile(0.50) / 1e3, h.quantile(0.99) / 1e3, h.quantile(0.999) / 1e3})
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "client: "+format+"\n", args...)
	os.Exit(1)
}

var stdout sync.Mutex

func printJSON(v any) {
	b, _ := json.Marshal(v)
	stdout.Lock()
	defer stdout.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

// worker is one connection's loop and its measurements.
type worker struct {
	conn     net.Conn
	size     int
	pipeline int
	out, in  []byte // the frames of a round, and their replies
	msgs     int64
	hist     histogram
}

func newWorker(id int, c net.Conn, size, pipeline int) *worker {
	frame := 4 + size
	w := &worker{
		conn:     c,
		size:     size,
		pipeline: pipeline,
		out:      make([]byte, frame*pipeline),
		in:       make([]byte, frame*pipeline),
	}
	// Payload bytes differ between connections and frames; stamp() then
	// changes their first bytes every round.
	x := uint32(id)*2654435761 + 1
	for i := range pipeline {
		f := w.out[i*frame : (i+1)*frame]
		binary.BigEndian.PutUint32(f, uint32(size))
		for j := 4; j < len(f); j++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			f[j] = byte(x)
		}
	}
	return w
}

// stamp writes the round number and the frame index into the start of each
// payload.
func (w *worker) stamp(round uint64) {
	frame := 4 + w.size
	var tag [8]byte
	for i := range w.pipeline {
		binary.BigEndian.PutUint64(tag[:], round<<8|uint64(i&0xff))
		copy(w.out[i*frame+4:(i+1)*frame], tag[:])
	}
}

func (w *worker) run(phase *atomic.Int32) error {
	for round := uint64(1); ; round++ {
		p := phase.Load()
		if p == stopped {
			return nil
		}
		w.stamp(round)
		t := time.Now()
		if _, err := w.conn.Write(w.out); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if _, err := io.ReadFull(w.conn, w.in); err != nil {
			return fmt.Errorf("read after %d rounds: %w", round-1, err)
		}
		d := time.Since(t)
		if !bytes.Equal(w.in, w.out) {
			return w.mismatch()
		}
		if p == measuring && phase.Load() == measuring {
			w.hist.add(uint64(d))
			w.msgs += int64(w.pipeline)
		}
	}
}

// mismatch describes the first reply that differs from its frame.
func (w *worker) mismatch() error {
	frame := 4 + w.size
	for i := range w.pipeline {
		got, want := w.in[i*frame:(i+1)*frame], w.out[i*frame:(i+1)*frame]
		if n := binary.BigEndian.Uint32(got); n != uint32(w.size) {
			return fmt.Errorf("reply %d of the round: length %d, sent %d", i, n, w.size)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("reply %d of the round: payload differs (checksum %08x, sent %08x)", i, sum(got[4:]), sum(want[4:]))
		}
	}
	return fmt.Errorf("replies differ from the frames sent")
}

// sum is FNV-1a, to name a payload in an error.
func sum(p []byte) uint32 {
	h := uint32(2166136261)
	for _, b := range p {
		h ^= uint32(b)
		h *= 16777619
	}
	return h
}

// histogram counts latencies in nanoseconds in log-linear buckets: exact
// below 64 ns, then 32 buckets per power of two (at most 3% wide).
type histogram struct {
	counts [nBuckets]uint64
	total  uint64
}

const (
	subBits  = 5
	subCount = 1 << subBits
	nBuckets = (64 - subBits + 1) * subCount
)

func bucketOf(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	sh := bits.Len64(v) - subBits - 1 // v>>sh is in [subCount, 2*subCount)
	return (sh+1)*subCount + int(v>>sh) - subCount
}

// bucketMid is the middle of bucket i's range of values.
func bucketMid(i int) float64 {
	if i < 2*subCount {
		return float64(i)
	}
	sh := i/subCount - 1
	lo := uint64(i%subCount+subCount) << sh
	return float64(lo) + float64(uint64(1)<<sh)/2
}

func (h *histogram) add(v uint64) {
	h.counts[bucketOf(v)]++
	h.total++
}

func (h *histogram) merge(o *histogram) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.total += o.total
}

// quantile returns the q-quantile in nanoseconds, 0 when h is empty.
func (h *histogram) quantile(q float64) float64 {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = max(rank, 1)
	var seen uint64
	for i, n := range h.counts {
		if seen += n; seen >= rank {
			return bucketMid(i)
		}
	}
	return bucketMid(nBuckets - 1)
}
