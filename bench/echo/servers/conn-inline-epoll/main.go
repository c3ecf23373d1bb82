// Command conn-inline-epoll is the framed-echo server on ringwire's conn package,
// epoll backend, the handler inline on the loop (package connecho).
package main

import (
	"github.com/ringwire/ringwire/bench/echo/internal/connecho"
	"github.com/ringwire/ringwire/poller"
)

func main() { connecho.Main("conn-inline-epoll", poller.Epoll, true) }
