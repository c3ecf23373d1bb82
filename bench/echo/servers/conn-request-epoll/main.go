// Command conn-request-epoll is the framed-echo server on ringwire's conn package,
// epoll backend, the handler on a pooled goroutine per request (package connecho).
package main

import (
	"github.com/ringwire/ringwire/bench/echo/internal/connecho"
	"github.com/ringwire/ringwire/poller"
)

func main() { connecho.Main("conn-request-epoll", poller.Epoll, false) }
