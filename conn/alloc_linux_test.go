//go:build !race

package conn_test

import (
	"encoding/binary"
	"io"
	"testing"

	"github.com/ringwire/ringwire/conn"
)

// TestEchoAllocations: a framed echo in steady state allocates nothing, on
// either backend, in either model: neither the server's receive, hand-off,
// read, write and send, nor the standard-library client.
func TestEchoAllocations(t *testing.T) {
	// AllocsPerRun runs with GOMAXPROCS=1, where an io_uring loop woken
	// every millisecond by the tests' sweeps keeps the only P, and the
	// client's reads wait for sysmon's netpoll (every 10 ms): the default
	// interval here.
	defer conn.SetSweepEvery(conn.SetSweepEvery(defaultSweep))
	forEachMode(t, func(t *testing.T, m mode) {
		for _, n := range []int{64, 1024, 16 << 10} {
			addr := serve(t, &conn.Server{Handler: framedEcho}, m)
			c := dialStd(t, addr)
			frame := binary.BigEndian.AppendUint32(nil, uint32(n))
			frame = append(frame, pattern(n, 1)...)
			got := make([]byte, len(frame))
			rt := func() {
				if _, err := c.Write(frame); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatal(err)
				}
			}
			for range 100 { // warm the pools
				rt()
			}
			if a := testing.AllocsPerRun(200, rt); a != 0 {
				t.Errorf("%d bytes: %.2f allocations per echo, want 0", n, a)
			}
		}
	})
}
