// Command conn-request-iouring is the framed-echo server on ringwire's conn package,
// iouring backend, the handler on a pooled goroutine per request (package connecho).
package main

import (
	"github.com/ringwire/ringwire/bench/echo/internal/connecho"
	"github.com/ringwire/ringwire/poller"
)

func main() { connecho.Main("conn-request-iouring", poller.IOUring, false) }
