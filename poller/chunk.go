package poller

// A Chunk is received data in memory the poller lends: a pooled block on
// epoll, a provided buffer on io_uring. Release it, once, from any
// goroutine, when done with Data; Data must not be used after.
type Chunk struct {
	Data    []byte
	release func([]byte)
}

// Release gives the chunk's memory back.
func (c Chunk) Release() {
	if c.release != nil {
		c.release(c.Data)
	}
}

// Releaser returns the function that Release calls with Data, for a buffer
// that links the chunk and releases it later: buffer.Linked.Append(c.Data,
// c.Releaser()). It is the same function for every chunk of a loop, so
// passing it on allocates nothing.
func (c Chunk) Releaser() func([]byte) { return c.release }
