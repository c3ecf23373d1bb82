// Command ringwire-iouring is the framed-echo server on ringwire's poller
// with the io_uring backend and one loop (package rwecho).
package main

import (
	"github.com/ringwire/ringwire/bench/echo/internal/rwecho"
	"github.com/ringwire/ringwire/poller"
)

func main() { rwecho.Main("ringwire-iouring", poller.IOUring) }
