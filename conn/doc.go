// Package conn turns poller completions and buffer nodes into connections:
// Conn, the Server engine that serves listeners over a poller's loops, and
// Dial.
//
// A Conn is a buffer.Reader over the bytes received and a buffer.Writer over
// the bytes to send, and a net.Conn for the standard library (crypto/tls,
// net/http). Its reads wait for the bytes they ask for, up to a deadline;
// its Flush hands written nodes to the loop without copying them; Close is
// safe at any moment, from any goroutine.
//
// A Server calls its Handler when a connection has data: on a pooled
// goroutine, one call at a time per connection and in order (the default,
// what RPC servers need), or inline on the loop for handlers that never block
// (the cheapest path). A handler that has read a request it will run at
// length calls Handoff: the connection's next bytes go to another goroutine
// while this one runs the request (multiplexed RPC), with no hand-off to a
// goroutine of its own. It bounds memory per connection in both directions:
// past MaxBuffered received bytes (unread, or read and not released), or
// WriteHighWater unsent ones, it stops
// receiving from that peer, and only that peer, until the backlog halves. It
// refuses connections past MaxConns, closes idle ones after IdleTimeout,
// keeps accepting after running out of descriptors (the poller backs off and
// retries), and shuts down gracefully.
//
// # Memory
//
// An idle connection holds no buffer and no goroutine: its loop takes its two
// buffers back within 100 ms of its last bytes being read and sent (a sweep,
// so that a busy connection keeps them between requests). What it holds is a
// 320-byte Conn and the poller's 96-byte Handle. Received data
// arrives in memory the poller lends (an io_uring provided buffer, or a
// pooled 32 KiB block on epoll): a chunk that starts a request is linked into
// the connection's buffer without a copy; a chunk that continues one is
// copied behind the bytes already there, and released at once, so that a
// connection waiting for the rest of a frame holds at most one lent chunk,
// and a loop's connections at most a quarter of its provided buffers.
//
// # Errors
//
// ErrClosed and *ConnError end a connection; ErrTimeout and ErrWouldBlock
// fail one call. Fatal tells them apart.
package conn
