// Package codec encodes and decodes Go structs as Thrift, binary or compact,
// with no generated code: the first time it sees a struct type it compiles
// it into a table (field ids, offsets, wire types, one coder per kind) from
// the struct tags that Apache Thrift's and Kitex's generators write
// (`thrift:"name,id[,required|optional]"`, `frugal:"id,requiredness,type"`),
// caches it, and from then on walks the table. It emits no machine code.
//
// MarshalAppend into a reused buffer encodes in one pass; Marshal sizes
// the value first and allocates once, and Write takes one Malloc of exactly
// the size from a Writer. Encoding checks what the wire cannot carry
// (a nil required struct, a union with two fields set, a length past 32
// bits) and returns an error naming it. Decoding checks every length and count against the bytes left
// before it allocates, bounds nesting, checks required fields, and skips
// fields it does not know. Errors name the field path where they arose.
//
// Where the Go type does not say the Thrift type, the tag does: a frugal
// tag's type (an int64 that is an enum, a []byte that is a list<i8>, a
// slice that is a set). Apache's `thrift:` tags carry no type, and its Go
// generator makes lists and sets both slices: such a slice is read from a
// list or a set and written as a list, which Apache's reader skips where
// the IDL says set. A `go.tag` annotation in the IDL adds the frugal tag
// that says so (fuzz/codec/compat.thrift shows one).
//
// A struct with a `_unknownFields []byte` field, as Kitex generates with
// keep_unknown_fields, keeps the fields it does not know there and writes
// them back: held in binary, as Kitex holds them, whichever protocol they
// came in, and transcoded when written in compact.
//
// Nil is written as absent: a nil pointer to a struct, even a field that
// is not optional, is left out, so that it reads back nil. Kitex writes an
// empty struct there, which reads back as a non-nil empty value; Apache's
// generated writer needs such fields set.
//
// The wire primitives it is built on are in codec/thriftwire.
package codec

//go:generate go run ../internal/tools/genwalk
