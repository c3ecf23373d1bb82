package conn_test

import (
	"testing"

	"github.com/ringwire/ringwire/conn"
)

var echoSizes = []int{0, 1, 100, 1023, 1024, 4096, 16 << 10, 32<<10 - 4, 32 << 10, 100 << 10, 1 << 20}

func TestEcho(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		addr := serve(t, &conn.Server{Handler: framedEcho}, m)
		c := dialStd(t, addr)
		for i, n := range echoSizes {
			roundTrip(t, c, pattern(n, byte(i)))
		}
	})
}
