// Package frame reads and writes the length-framed envelopes Thrift RPC
// travels in: Framed (a 4-byte length), TTHeader as Kitex writes it, THeader
// as Apache Thrift writes it, and MeshHeader, with Detect to tell them apart
// from a message's first bytes.
//
// It works over a buffer.Reader and buffer.Writer, and over plain []byte, and
// imports nothing of conn or poller: frames captured off the wire decode
// here as they do on a connection, and every decoder is fuzzed in memory.
//
// Decoders return the payload without copying it: a sub-slice of the input,
// or a Reader that shares the input buffer's memory. Every length is checked
// against what remains and against Limits before anything is allocated. A
// frame that breaks its format or a limit is an *Error saying what and at
// which offset; input that is only a prefix of a frame is a *NeedError saying
// how many bytes the decoder needs in all.
//
// Transforms (zlib, Snappy and zstd, through github.com/klauspost/compress)
// are a step of their own: DecodeTHeader returns the payload as it came,
// Untransform undoes the header's transforms into a buffer the caller
// reuses, bounded by Limits.MaxDecompressed while it inflates. The THeader
// encoders apply them on the way out.
package frame
