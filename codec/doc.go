// Package codec encodes and decodes Go structs as Thrift, binary or compact,
// with no generated code: the first time it sees a struct type it compiles
// it into a table (field ids, offsets, wire types, one coder per kind) from
// the struct tags that Apache Thrift's and Kitex's generators write
// (`thrift:"name,id[,required|optional]"`, `frugal:"id,requiredness,type"`),
// caches it, and from then on walks the table. It emits no machine code.
//
// Encoding sizes the value first and writes it into exactly that room:
// MarshalAppend grows its slice at most once, and Write takes one Malloc of a
// Writer. Decoding checks every length and count against the bytes left
// before it allocates, bounds nesting, checks required fields, and skips
// fields it does not know. Errors name the field path where they arose.
//
// The wire primitives it is built on are in codec/thriftwire.
package codec

//go:generate go run ../internal/tools/genwalk
