package thriftwire

import (
	"encoding/binary"
	"math"

	"github.com/ringwire/ringwire/internal/unsafex"
)

// BinaryProtocol is Thrift's binary protocol, strict: big-endian fixed-size
// integers, i32-length strings, a versioned message header. Its methods are
// the package's primitives for it; Binary is the value to call them on.
type BinaryProtocol struct{}

// Binary is the binary protocol.
var Binary BinaryProtocol

const binaryVersion1 = 0x80010000

// AppendBool appends v as one byte, 1 or 0.
func (BinaryProtocol) AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// ConsumeBool parses a bool: 1 is true, any other byte false, as Apache
// Thrift reads it.
func (BinaryProtocol) ConsumeBool(b []byte) (bool, int) {
	if len(b) < 1 {
		return false, errCodeTruncated
	}
	return b[0] == 1, 1
}

// AppendByte appends an i8.
func (BinaryProtocol) AppendByte(b []byte, v int8) []byte { return append(b, byte(v)) }

// ConsumeByte parses an i8.
func (BinaryProtocol) ConsumeByte(b []byte) (int8, int) {
	if len(b) < 1 {
		return 0, errCodeTruncated
	}
	return int8(b[0]), 1
}

// AppendI16 appends an i16.
func (BinaryProtocol) AppendI16(b []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(b, uint16(v))
}

// ConsumeI16 parses an i16.
func (BinaryProtocol) ConsumeI16(b []byte) (int16, int) {
	if len(b) < 2 {
		return 0, errCodeTruncated
	}
	return int16(binary.BigEndian.Uint16(b)), 2
}

// AppendI32 appends an i32.
func (BinaryProtocol) AppendI32(b []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(v))
}

// ConsumeI32 parses an i32.
func (BinaryProtocol) ConsumeI32(b []byte) (int32, int) {
	if len(b) < 4 {
		return 0, errCodeTruncated
	}
	return int32(binary.BigEndian.Uint32(b)), 4
}

// AppendI64 appends an i64.
func (BinaryProtocol) AppendI64(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// ConsumeI64 parses an i64.
func (BinaryProtocol) ConsumeI64(b []byte) (int64, int) {
	if len(b) < 8 {
		return 0, errCodeTruncated
	}
	return int64(binary.BigEndian.Uint64(b)), 8
}

// AppendDouble appends a double, its IEEE 754 bits big-endian.
func (BinaryProtocol) AppendDouble(b []byte, v float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
}

// ConsumeDouble parses a double.
func (BinaryProtocol) ConsumeDouble(b []byte) (float64, int) {
	if len(b) < 8 {
		return 0, errCodeTruncated
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), 8
}

// AppendString appends a string or binary: an i32 length, then the bytes.
// A v longer than 2^31-1 bytes does not fit the length: the caller checks
// (SizeString says nothing about it).
func (BinaryProtocol) AppendString(b []byte, v string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// AppendBinary appends a binary, as AppendString.
func (BinaryProtocol) AppendBinary(b []byte, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// ConsumeBinary parses a string or binary and returns its bytes, which alias
// b.
func (BinaryProtocol) ConsumeBinary(b []byte) ([]byte, int) {
	if len(b) < 4 {
		return nil, errCodeTruncated
	}
	n := int32(binary.BigEndian.Uint32(b))
	switch {
	case n < 0:
		return nil, errCodeNegative
	case int(n) > len(b)-4:
		return nil, errCodeTruncated
	}
	return b[4 : 4+n : 4+n], 4 + int(n)
}

// ConsumeString parses a string; it aliases b.
func (p BinaryProtocol) ConsumeString(b []byte) (string, int) {
	v, n := p.ConsumeBinary(b)
	return unsafex.String(v), n
}

// SizeString is the size of v's encoding.
func (BinaryProtocol) SizeString(v string) int { return 4 + len(v) }

// SizeBinary is the size of v's encoding.
func (BinaryProtocol) SizeBinary(v []byte) int { return 4 + len(v) }

// AppendUUID appends a uuid: its 16 bytes.
func (BinaryProtocol) AppendUUID(b []byte, v [16]byte) []byte { return append(b, v[:]...) }

// ConsumeUUID parses a uuid.
func (BinaryProtocol) ConsumeUUID(b []byte) ([16]byte, int) {
	if len(b) < 16 {
		return [16]byte{}, errCodeTruncated
	}
	return [16]byte(b), 16
}

// AppendFieldBegin appends a field header: type and id.
func (BinaryProtocol) AppendFieldBegin(b []byte, t Type, id int16) []byte {
	return append(b, byte(t), byte(uint16(id)>>8), byte(id))
}

// AppendFieldStop appends the stop that ends a struct.
func (BinaryProtocol) AppendFieldStop(b []byte) []byte { return append(b, byte(Stop)) }

// ConsumeFieldBegin parses a field header, or a stop (t == Stop, n == 1).
// An unknown type is an error.
func (BinaryProtocol) ConsumeFieldBegin(b []byte) (t Type, id int16, n int) {
	if len(b) < 1 {
		return 0, 0, errCodeTruncated
	}
	if t = Type(b[0]); t == Stop {
		return Stop, 0, 1
	}
	if !t.Valid() {
		return 0, 0, errCodeType
	}
	if len(b) < 3 {
		return 0, 0, errCodeTruncated
	}
	return t, int16(binary.BigEndian.Uint16(b[1:])), 3
}

// AppendListBegin appends a list or set header: element type and count.
func (BinaryProtocol) AppendListBegin(b []byte, elem Type, count int) []byte {
	return binary.BigEndian.AppendUint32(append(b, byte(elem)), uint32(count))
}

// ConsumeListBegin parses a list or set header. The count is checked against
// what remains of b at the element type's MinSize.
func (p BinaryProtocol) ConsumeListBegin(b []byte) (elem Type, count int, n int) {
	if len(b) < 5 {
		return 0, 0, errCodeTruncated
	}
	elem = Type(b[0])
	c := int32(binary.BigEndian.Uint32(b[1:]))
	switch {
	case c < 0:
		return 0, 0, errCodeNegative
	case c == 0:
		return elem, 0, 5 // an empty list's type is not checked, as Apache's
	case !elem.Valid():
		return 0, 0, errCodeType
	case int64(c)*int64(p.MinSize(elem)) > int64(len(b)-5):
		return 0, 0, errCodeTruncated
	}
	return elem, int(c), 5
}

// AppendMapBegin appends a map header: key type, value type and count.
func (BinaryProtocol) AppendMapBegin(b []byte, key, value Type, count int) []byte {
	return binary.BigEndian.AppendUint32(append(b, byte(key), byte(value)), uint32(count))
}

// ConsumeMapBegin parses a map header, the count checked as
// ConsumeListBegin's.
func (p BinaryProtocol) ConsumeMapBegin(b []byte) (key, value Type, count int, n int) {
	if len(b) < 6 {
		return 0, 0, 0, errCodeTruncated
	}
	key, value = Type(b[0]), Type(b[1])
	c := int32(binary.BigEndian.Uint32(b[2:]))
	switch {
	case c < 0:
		return 0, 0, 0, errCodeNegative
	case c == 0:
		return key, value, 0, 6 // an empty map's types are not checked, as Apache's
	case !key.Valid() || !value.Valid():
		return 0, 0, 0, errCodeType
	case int64(c)*int64(p.MinSize(key)+p.MinSize(value)) > int64(len(b)-6):
		return 0, 0, 0, errCodeTruncated
	}
	return key, value, int(c), 6
}

// MinSize is the fewest bytes a value of type t takes.
func (BinaryProtocol) MinSize(t Type) int {
	switch t {
	case Bool, Byte, Struct:
		return 1
	case I16:
		return 2
	case I32, String:
		return 4
	case I64, Double:
		return 8
	case Map:
		return 6
	case Set, List:
		return 5
	case UUID:
		return 16
	}
	return 1
}

// AppendMessageBegin appends a strict message header: version and type,
// name, seqid.
func (p BinaryProtocol) AppendMessageBegin(b []byte, name string, t MessageType, seqID int32) []byte {
	b = binary.BigEndian.AppendUint32(b, binaryVersion1|uint32(t))
	b = p.AppendString(b, name)
	return binary.BigEndian.AppendUint32(b, uint32(seqID))
}

// SizeMessageBegin is the size of a message header named name.
func (BinaryProtocol) SizeMessageBegin(name string) int { return 12 + len(name) }

// ConsumeMessageBegin parses a message header. A strict header (version 1)
// is always read; with nonStrict, so is the old header that starts with the
// name's length, as Apache Go reads it (Kitex does not). The name aliases b.
func (p BinaryProtocol) ConsumeMessageBegin(b []byte, nonStrict bool) (name string, t MessageType, seqID int32, n int) {
	if len(b) < 4 {
		return "", 0, 0, errCodeTruncated
	}
	v := int32(binary.BigEndian.Uint32(b))
	if v < 0 {
		if uint32(v)&0xffff0000 != binaryVersion1 {
			return "", 0, 0, errCodeVersion
		}
		t = MessageType(v & 0xff)
		name, n = p.ConsumeString(b[4:])
		if n < 0 {
			return "", 0, 0, n
		}
		n += 4
	} else {
		if !nonStrict {
			return "", 0, 0, errCodeVersion
		}
		if name, n = p.ConsumeString(b); n < 0 {
			return "", 0, 0, n
		}
		if len(b) < n+1 {
			return "", 0, 0, errCodeTruncated
		}
		t = MessageType(b[n])
		n++
	}
	if t < Call || t > Oneway {
		return "", 0, 0, errCodeVersion
	}
	seqID, m := p.ConsumeI32(b[n:])
	if m < 0 {
		return "", 0, 0, m
	}
	return name, t, seqID, n + m
}
