// Package thriftwire reads and writes Thrift's binary and compact protocols
// one value at a time, over []byte: the primitives a codec is built from,
// usable alone by someone who writes their own.
//
// Every value has a triple: Append appends its encoding to a slice and
// returns the slice, Consume parses it from the front of a slice and returns
// the value and the bytes it took, and Size says how many bytes Append
// writes. The two protocols are the method sets of Binary and Compact.
//
// A Consume that fails returns a negative byte count, an error code, instead
// of an error value: hot decoders branch on n < 0 and turn the code into an
// error once, at their edge, with ParseError. Consume never allocates:
// strings and binaries it returns alias the input. Lengths and counts are
// checked against what remains of the input before they are returned, so a
// caller that sizes an allocation by a count read here can trust it to fit
// the input (at MinSize bytes an element).
//
// Wire facts: ../../../shared/PROTOCOLS.md, Apache Thrift's
// doc/specs/thrift-binary-protocol.md and thrift-compact-protocol.md.
package thriftwire
