// Command gonet is the framed-echo server on the standard library's net: one
// goroutine per connection, a bufio.Reader, and one Write per batch of the
// frames already buffered, each reply a copy of the received frame.
package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"

	"github.com/ringwire/ringwire/bench/echo/internal/report"
)

func main() {
	addr := report.Addr()
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		report.Fatal("listen", err)
	}
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					os.Stderr.WriteString("accept: " + err.Error() + "\n")
				}
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
		}
	}()
	report.Run("gonet", nil, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// serve echoes frames until the connection ends.
func serve(c net.Conn) {
	br := bufio.NewReader(c)
	var (
		hdr [report.HeaderLen]byte
		out []byte
	)
	for {
		// Block for one frame, then take every complete frame already
		// buffered, and write the batch.
		out = out[:0]
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		var err error
		if out, err = readFrame(br, out, hdr[:]); err != nil {
			return
		}
		for br.Buffered() >= report.HeaderLen {
			p, _ := br.Peek(report.HeaderLen)
			n, ok := report.FrameLen(p)
			if !ok || br.Buffered() < n {
				break
			}
			br.Discard(report.HeaderLen)
			if out, err = readFrame(br, out, p); err != nil {
				return
			}
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// readFrame appends the frame whose header is hdr to out, reading the
// payload from br: the copy the reply is made of.
func readFrame(br *bufio.Reader, out, hdr []byte) ([]byte, error) {
	n, ok := report.FrameLen(hdr)
	if !ok {
		return out, errors.New("frame too long")
	}
	start := len(out)
	out = append(out, hdr...)
	out = append(out, make([]byte, n-report.HeaderLen)...)
	_, err := io.ReadFull(br, out[start+report.HeaderLen:])
	return out, err
}
