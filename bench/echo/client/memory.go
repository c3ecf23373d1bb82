package main

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// raiseNoFile lifts the descriptor limit to its hard maximum: -mode idle
// opens ten thousand connections.
func raiseNoFile() {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
}

// dialAll opens n connections, 16 dialling at a time.
func dialAll(addr string, n int) []net.Conn {
	cs := make([]net.Conn, n)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					fail("dial %d: %v", i, err)
				}
				cs[i] = c
			}
		}()
	}
	wg.Wait()
	return cs
}

// idle echoes one frame on each of n connections, then holds them.
func idle(addr string, n, size int, hold time.Duration) {
	cs := dialAll(addr, n)
	frame := binary.BigEndian.AppendUint32(nil, uint32(size))
	frame = append(frame, make([]byte, size)...)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([]byte, len(frame))
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				c := cs[i]
				c.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := c.Write(frame); err != nil {
					fail("connection %d: %v", i, err)
				}
				if _, err := io.ReadFull(c, got); err != nil {
					fail("connection %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	printJSON(map[string]any{"mark": "idle", "conns": n})
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(hold):
	}
	for _, c := range cs {
		c.Close()
	}
}

// slowRead writes frames on n connections as fast as the server takes them,
// and reads the replies at rate bytes per second per connection, for dur.
func slowRead(addr string, n, size, rate int, dur time.Duration) {
	cs := dialAll(addr, n)
	frame := binary.BigEndian.AppendUint32(nil, uint32(size))
	frame = append(frame, make([]byte, size)...)
	batch := make([]byte, 0, 16*len(frame))
	for range 16 {
		batch = append(batch, frame...)
	}
	var (
		stop       atomic.Bool
		wg         sync.WaitGroup
		sent, read atomic.Int64
	)
	const tick = 100 * time.Millisecond
	perTick := max(rate/int(time.Second/tick), 1)
	for _, c := range cs {
		wg.Add(2)
		go func() { // writer: blocks when the server stops reading
			defer wg.Done()
			off := 0 // into batch: a write cut short by the deadline resumes there
			for !stop.Load() {
				c.SetWriteDeadline(time.Now().Add(tick))
				k, _ := c.Write(batch[off:])
				off = (off + k) % len(batch)
				sent.Add(int64(k))
			}
		}()
		go func() { // reader: perTick bytes per tick
			defer wg.Done()
			buf := make([]byte, perTick)
			for !stop.Load() {
				c.SetReadDeadline(time.Now().Add(tick))
				k, _ := io.ReadFull(c, buf)
				read.Add(int64(k))
				time.Sleep(tick)
			}
		}()
	}
	printJSON(map[string]string{"mark": "start"})
	time.Sleep(dur)
	stop.Store(true)
	printJSON(map[string]string{"mark": "end"})
	for _, c := range cs {
		c.Close()
	}
	wg.Wait()
	printJSON(map[string]int64{"sent": sent.Load(), "read": read.Load()})
}
