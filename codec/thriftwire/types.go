package thriftwire

import (
	"errors"
	"fmt"
)

// A Type is a Thrift type as the binary protocol numbers it. The compact
// protocol numbers them differently on the wire; its methods translate.
type Type uint8

// Thrift types.
const (
	Stop   Type = 0
	Bool   Type = 2
	Byte   Type = 3 // i8
	Double Type = 4
	I16    Type = 6
	I32    Type = 8
	I64    Type = 10
	String Type = 11 // string and binary
	Struct Type = 12
	Map    Type = 13
	Set    Type = 14
	List   Type = 15
	UUID   Type = 16
)

var typeNames = [...]string{Stop: "stop", Bool: "bool", Byte: "byte", Double: "double", I16: "i16",
	I32: "i32", I64: "i64", String: "string", Struct: "struct", Map: "map", Set: "set", List: "list", UUID: "uuid"}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Valid reports whether t is a Thrift type other than Stop.
func (t Type) Valid() bool { return t != Stop && int(t) < len(typeNames) && typeNames[t] != "" }

// A MessageType is the kind of a message.
type MessageType uint8

// Message types.
const (
	Call      MessageType = 1
	Reply     MessageType = 2
	Exception MessageType = 3
	Oneway    MessageType = 4
)

func (t MessageType) String() string {
	switch t {
	case Call:
		return "call"
	case Reply:
		return "reply"
	case Exception:
		return "exception"
	case Oneway:
		return "oneway"
	}
	return fmt.Sprintf("message type(%d)", uint8(t))
}

// Error codes, the negative byte counts a Consume returns.
const (
	errCodeTruncated = -1 - iota
	errCodeNegative
	errCodeOverflow
	errCodeType
	errCodeDepth
	errCodeVersion
)

// Errors ParseError returns.
var (
	ErrTruncated = errors.New("thriftwire: value runs past the end of the input")
	ErrNegative  = errors.New("thriftwire: negative length or size")
	ErrOverflow  = errors.New("thriftwire: varint overflows its type")
	ErrType      = errors.New("thriftwire: invalid type id")
	ErrDepth     = errors.New("thriftwire: nested deeper than the limit")
	ErrVersion   = errors.New("thriftwire: bad message header")
)

// ParseError returns the error of a negative count a Consume or Skip
// returned, or nil for a count that is not negative.
func ParseError(n int) error {
	switch n {
	case errCodeTruncated:
		return ErrTruncated
	case errCodeNegative:
		return ErrNegative
	case errCodeOverflow:
		return ErrOverflow
	case errCodeType:
		return ErrType
	case errCodeDepth:
		return ErrDepth
	case errCodeVersion:
		return ErrVersion
	}
	if n < 0 {
		return fmt.Errorf("thriftwire: error code %d", n)
	}
	return nil
}

// DefaultDepth is the nesting Skip allows when asked for no limit, and the
// codec's default: Apache Thrift's.
const DefaultDepth = 64
