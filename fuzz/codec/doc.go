// Package codec fuzzes ringwire's compiled codec against the peers' on the
// same bytes: frugal v0.3.0 (reflection over the same structs, binary only)
// here, and Apache Thrift's generated code. Both must accept or both reject,
// and when both accept they must decode equal values.
package codec
