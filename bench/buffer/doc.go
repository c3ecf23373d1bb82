// Package buffer compares ringwire's buffer.Linked with the buffers its peers
// use, on one workload: a length-framed message written (4-byte length, then
// the payload) and read back (the length, then the payload), then released.
// Every implementation copies the payload into the buffer once and reads it
// back without copying where its API allows.
//
// Run it through `make bench` (cmd/benchtab), which pins it to one CPU,
// interleaves the implementations, takes medians and writes BENCHMARKS.md.
package buffer
