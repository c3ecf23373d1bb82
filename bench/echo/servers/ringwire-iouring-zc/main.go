// Command ringwire-iouring-zc is ringwire-iouring with zero-copy sends for
// replies of 4 KiB and more (poller.Options.SendZCThreshold), to measure
// whether zero-copy pays on loopback.
package main

import (
	"github.com/ringwire/ringwire/bench/echo/internal/rwecho"
	"github.com/ringwire/ringwire/poller"
)

func main() {
	rwecho.MainWith("ringwire-iouring-zc", poller.Options{Backend: poller.IOUring, SendZCThreshold: 4 << 10})
}
