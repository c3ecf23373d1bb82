// Command gnet is the framed-echo server on gnet, replying on the loop
// (package gnetecho).
package main

import "github.com/ringwire/ringwire/bench/echo/internal/gnetecho"

func main() { gnetecho.Main("gnet", false) }
