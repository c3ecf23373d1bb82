// Package codec checks ringwire's compiled codec against the peers' on the
// same bytes, and the peers' generated structs against ringwire:
//
//   - FuzzFrugal: frugal v0.3.0, reflection over the same structs, binary.
//   - FuzzApacheBinary, FuzzApacheCompact: Apache Thrift v0.22.0's generated
//     code (internal/apachecompat, from compat.thrift by Debian's
//     thrift-compiler 0.17.0).
//
// Both sides must accept or both reject, take the same bytes, and decode
// equal values; the classes where ringwire is deliberately stricter or
// looser are named in each harness. TestApacheCompat and TestKitexCompat
// code the structs Apache's and Kitex v0.15.2's generators make
// (internal/kitexcompat) both ways; regen.sh remakes them.
package codec
