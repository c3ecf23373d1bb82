// Command gnet-pool is the framed-echo server on gnet, replying from gnet's
// goroutine pool with AsyncWrite (package gnetecho).
package main

import "github.com/ringwire/ringwire/bench/echo/internal/gnetecho"

func main() { gnetecho.Main("gnet-pool", true) }
