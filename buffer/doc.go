// Package buffer provides linked, reference-counted byte buffers: the memory
// that ringwire's poller fills, its codecs read and write, and its connections
// send.
//
// Reader and Writer are the two sides, small enough to implement elsewhere;
// every layer above uses only them. Linked implements both as a chain of
// nodes: reads return views into a node without copying when they can
// (Next, Peek), sub-frames share nodes by reference count instead of being
// copied (Slice), and large payloads are linked in rather than copied
// (Append), with a release hook for memory the buffer does not own, such as an
// io_uring provided buffer. Views and Advance hand the flushed bytes to writev
// or sendmsg and release what was sent.
//
// One goroutine may write a Linked while another reads it, without a lock;
// the type's documentation gives the contract. An empty Linked holds no node.
//
// Memory returned by a read is borrowed: each method says until when it is
// valid. Built with the ringwire_debug tag, the package overwrites released
// memory with PoisonByte and panics, naming where the release happened, on a
// double release or a use of a closed buffer.
package buffer
