// Command conn-inline-iouring is the framed-echo server on ringwire's conn package,
// iouring backend, the handler inline on the loop (package connecho).
package main

import (
	"github.com/ringwire/ringwire/bench/echo/internal/connecho"
	"github.com/ringwire/ringwire/poller"
)

func main() { connecho.Main("conn-inline-iouring", poller.IOUring, true) }
