package thriftwire

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/ringwire/ringwire/internal/unsafex"
)

// CompactProtocol is Thrift's compact protocol: zigzag varint integers,
// field ids as deltas, bool fields' values in their headers, little-endian
// doubles. Its methods are the package's primitives for it; Compact is the
// value to call them on.
//
// Field headers carry the previous field's id, which the caller keeps: 0 at
// the start of each struct.
type CompactProtocol struct{}

// Compact is the compact protocol.
var Compact CompactProtocol

// Compact type ids on the wire.
const (
	ctTrue   = 1
	ctFalse  = 2
	ctByte   = 3
	ctI16    = 4
	ctI32    = 5
	ctI64    = 6
	ctDouble = 7
	ctBinary = 8
	ctList   = 9
	ctSet    = 10
	ctMap    = 11
	ctStruct = 12
	ctUUID   = 13

	compactProtocolID = 0x82
	compactVersion    = 1
)

// toCompact and fromCompact translate type ids; 0 is none.
var (
	toCompact = [...]byte{Bool: ctTrue, Byte: ctByte, Double: ctDouble, I16: ctI16, I32: ctI32, I64: ctI64,
		String: ctBinary, Struct: ctStruct, Map: ctMap, Set: ctSet, List: ctList, UUID: ctUUID}
	fromCompact = [16]Type{ctTrue: Bool, ctFalse: Bool, ctByte: Byte, ctI16: I16, ctI32: I32, ctI64: I64,
		ctDouble: Double, ctBinary: String, ctList: List, ctSet: Set, ctMap: Map, ctStruct: Struct, ctUUID: UUID}
)

func compactType(t Type) byte {
	if int(t) < len(toCompact) {
		return toCompact[t]
	}
	return 0
}

// AppendUvarint appends v as a base-128 varint.
func (CompactProtocol) AppendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// ConsumeUvarint parses a varint of at most 10 bytes whose value fits 64
// bits.
func (CompactProtocol) ConsumeUvarint(b []byte) (uint64, int) {
	// The one-byte case inline; the rest in the loop.
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, errCodeOverflow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	if len(b) >= 10 {
		return 0, errCodeOverflow
	}
	return 0, errCodeTruncated
}

// SizeUvarint is the size of v as a varint.
func (CompactProtocol) SizeUvarint(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

func zigzag32(v int32) uint64 { return uint64(uint32(v<<1) ^ uint32(v>>31)) }
func zigzag64(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }
func (p CompactProtocol) uv32(b []byte) (uint32, int) {
	v, n := p.ConsumeUvarint(b)
	if n > 5 || v > math.MaxUint32 {
		return 0, errCodeOverflow
	}
	return uint32(v), n
}

// AppendBool appends a bool outside a field header (in a list, set or map):
// one byte, 1 true or 2 false.
func (CompactProtocol) AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, ctTrue)
	}
	return append(b, ctFalse)
}

// ConsumeBool parses a bool outside a field header: 1 is true, any other
// byte false, as Apache Thrift reads it.
func (CompactProtocol) ConsumeBool(b []byte) (bool, int) {
	if len(b) < 1 {
		return false, errCodeTruncated
	}
	return b[0] == ctTrue, 1
}

// AppendByte appends an i8.
func (CompactProtocol) AppendByte(b []byte, v int8) []byte { return append(b, byte(v)) }

// ConsumeByte parses an i8.
func (CompactProtocol) ConsumeByte(b []byte) (int8, int) {
	if len(b) < 1 {
		return 0, errCodeTruncated
	}
	return int8(b[0]), 1
}

// AppendI16 appends an i16 as a zigzag varint.
func (p CompactProtocol) AppendI16(b []byte, v int16) []byte {
	return p.AppendUvarint(b, zigzag32(int32(v)))
}

// ConsumeI16 parses an i16. A value past 16 bits is an overflow.
func (p CompactProtocol) ConsumeI16(b []byte) (int16, int) {
	v, n := p.uv32(b)
	if n < 0 {
		return 0, n
	}
	if x := unzigzag(uint64(v)); x == int64(int16(x)) {
		return int16(x), n
	}
	return 0, errCodeOverflow
}

// SizeI16 is the size of v's encoding.
func (p CompactProtocol) SizeI16(v int16) int { return p.SizeUvarint(zigzag32(int32(v))) }

// AppendI32 appends an i32 as a zigzag varint.
func (p CompactProtocol) AppendI32(b []byte, v int32) []byte { return p.AppendUvarint(b, zigzag32(v)) }

// ConsumeI32 parses an i32.
func (p CompactProtocol) ConsumeI32(b []byte) (int32, int) {
	v, n := p.uv32(b)
	if n < 0 {
		return 0, n
	}
	return int32(unzigzag(uint64(v))), n
}

// SizeI32 is the size of v's encoding.
func (p CompactProtocol) SizeI32(v int32) int { return p.SizeUvarint(zigzag32(v)) }

// AppendI64 appends an i64 as a zigzag varint.
func (p CompactProtocol) AppendI64(b []byte, v int64) []byte { return p.AppendUvarint(b, zigzag64(v)) }

// ConsumeI64 parses an i64.
func (p CompactProtocol) ConsumeI64(b []byte) (int64, int) {
	v, n := p.ConsumeUvarint(b)
	if n < 0 {
		return 0, n
	}
	return unzigzag(v), n
}

// SizeI64 is the size of v's encoding.
func (p CompactProtocol) SizeI64(v int64) int { return p.SizeUvarint(zigzag64(v)) }

// AppendDouble appends a double, its IEEE 754 bits little-endian.
func (CompactProtocol) AppendDouble(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// ConsumeDouble parses a double.
func (CompactProtocol) ConsumeDouble(b []byte) (float64, int) {
	if len(b) < 8 {
		return 0, errCodeTruncated
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), 8
}

// AppendString appends a string or binary: a varint length, then the bytes.
func (p CompactProtocol) AppendString(b []byte, v string) []byte {
	return append(p.AppendUvarint(b, uint64(len(v))), v...)
}

// AppendBinary appends a binary, as AppendString.
func (p CompactProtocol) AppendBinary(b []byte, v []byte) []byte {
	return append(p.AppendUvarint(b, uint64(len(v))), v...)
}

// ConsumeBinary parses a string or binary; its bytes alias b. A length past
// 2^31-1 is negative as an i32, as the protocol reads it.
func (p CompactProtocol) ConsumeBinary(b []byte) ([]byte, int) {
	l, n := p.uv32(b)
	switch {
	case n < 0:
		return nil, n
	case int32(l) < 0:
		return nil, errCodeNegative
	case int(l) > len(b)-n:
		return nil, errCodeTruncated
	}
	end := n + int(l)
	return b[n:end:end], end
}

// ConsumeString parses a string; it aliases b.
func (p CompactProtocol) ConsumeString(b []byte) (string, int) {
	v, n := p.ConsumeBinary(b)
	return unsafex.String(v), n
}

// SizeString is the size of v's encoding.
func (p CompactProtocol) SizeString(v string) int { return p.SizeUvarint(uint64(len(v))) + len(v) }

// SizeBinary is the size of v's encoding.
func (p CompactProtocol) SizeBinary(v []byte) int { return p.SizeUvarint(uint64(len(v))) + len(v) }

// AppendUUID appends a uuid: its 16 bytes.
func (CompactProtocol) AppendUUID(b []byte, v [16]byte) []byte { return append(b, v[:]...) }

// ConsumeUUID parses a uuid.
func (CompactProtocol) ConsumeUUID(b []byte) ([16]byte, int) {
	if len(b) < 16 {
		return [16]byte{}, errCodeTruncated
	}
	return [16]byte(b), 16
}

// AppendFieldBegin appends the header of field id of type t, last being the
// previous field's id in this struct (0 for the first). For a bool field use
// AppendFieldBool, which carries the value.
func (p CompactProtocol) AppendFieldBegin(b []byte, t Type, id, last int16) []byte {
	return p.fieldHeader(b, compactType(t), id, last)
}

// AppendFieldBool appends a bool field: its header holds the value.
func (p CompactProtocol) AppendFieldBool(b []byte, v bool, id, last int16) []byte {
	if v {
		return p.fieldHeader(b, ctTrue, id, last)
	}
	return p.fieldHeader(b, ctFalse, id, last)
}

func (p CompactProtocol) fieldHeader(b []byte, ct byte, id, last int16) []byte {
	if d := int(id) - int(last); d > 0 && d <= 15 {
		return append(b, byte(d)<<4|ct)
	}
	return p.AppendUvarint(append(b, ct), zigzag32(int32(id)))
}

// SizeFieldBegin is the size of a field header.
func (p CompactProtocol) SizeFieldBegin(id, last int16) int {
	if d := int(id) - int(last); d > 0 && d <= 15 {
		return 1
	}
	return 1 + p.SizeUvarint(zigzag32(int32(id)))
}

// AppendFieldStop appends the stop that ends a struct.
func (CompactProtocol) AppendFieldStop(b []byte) []byte { return append(b, 0) }

// ConsumeFieldBegin parses a field header, last being the previous field's
// id in this struct. For a bool field, t is Bool and v its value; there are
// no bytes of value after the header. A stop is t == Stop, n == 1.
func (p CompactProtocol) ConsumeFieldBegin(b []byte, last int16) (t Type, id int16, v bool, n int) {
	if len(b) < 1 {
		return 0, 0, false, errCodeTruncated
	}
	h := b[0]
	ct := h & 0x0f
	if ct == 0 {
		// A stop is written 0; Apache's readers, in every language, take
		// any byte with type 0 for one, whatever its delta, and so does
		// this (found by differential fuzzing).
		return Stop, 0, false, 1
	}
	if t = fromCompact[ct]; t == Stop {
		return 0, 0, false, errCodeType
	}
	if d := h >> 4; d != 0 {
		id, n = last+int16(d), 1
	} else {
		x, m := p.ConsumeI16(b[1:])
		if m < 0 {
			return 0, 0, false, m
		}
		id, n = x, 1+m
	}
	return t, id, ct == ctTrue, n
}

// AppendListBegin appends a list or set header: element type and count.
func (p CompactProtocol) AppendListBegin(b []byte, elem Type, count int) []byte {
	ct := compactType(elem)
	if count <= 14 {
		return append(b, byte(count)<<4|ct)
	}
	return p.AppendUvarint(append(b, 0xf0|ct), uint64(count))
}

// SizeListBegin is the size of a list or set header of count elements.
func (p CompactProtocol) SizeListBegin(count int) int {
	if count <= 14 {
		return 1
	}
	return 1 + p.SizeUvarint(uint64(count))
}

// ConsumeListBegin parses a list or set header, the count checked against
// what remains of b at the element type's MinSize.
func (p CompactProtocol) ConsumeListBegin(b []byte) (elem Type, count int, n int) {
	if len(b) < 1 {
		return 0, 0, errCodeTruncated
	}
	elem = fromCompact[b[0]&0x0f]
	c, n := int64(b[0]>>4), 1
	if c == 15 {
		v, m := p.uv32(b[1:])
		if m < 0 {
			return 0, 0, m
		}
		if int32(v) < 0 {
			return 0, 0, errCodeNegative
		}
		c, n = int64(v), 1+m
	}
	switch {
	case elem == Stop && b[0]&0x0f != 0:
		// No type at all, even for an empty list: Apache's compact
		// readers refuse it there too (found by differential fuzzing).
		// A 0 (stop) passes for an empty one, as there.
		return 0, 0, errCodeType
	case c == 0:
		return elem, 0, n
	case elem == Stop:
		return 0, 0, errCodeType
	case c*int64(p.MinSize(elem)) > int64(len(b)-n):
		return 0, 0, errCodeTruncated
	}
	return elem, int(c), n
}

// AppendMapBegin appends a map header: count, then key and value types
// unless the map is empty.
func (p CompactProtocol) AppendMapBegin(b []byte, key, value Type, count int) []byte {
	if count == 0 {
		return append(b, 0)
	}
	return append(p.AppendUvarint(b, uint64(count)), compactType(key)<<4|compactType(value))
}

// SizeMapBegin is the size of a map header of count entries.
func (p CompactProtocol) SizeMapBegin(count int) int {
	if count == 0 {
		return 1
	}
	return p.SizeUvarint(uint64(count)) + 1
}

// ConsumeMapBegin parses a map header, the count checked as
// ConsumeListBegin's. An empty map has no types: key and value are Stop.
func (p CompactProtocol) ConsumeMapBegin(b []byte) (key, value Type, count int, n int) {
	c, n := p.uv32(b)
	switch {
	case n < 0:
		return 0, 0, 0, n
	case int32(c) < 0:
		return 0, 0, 0, errCodeNegative
	case c == 0:
		return Stop, Stop, 0, n
	case len(b) < n+1:
		return 0, 0, 0, errCodeTruncated
	}
	key, value = fromCompact[b[n]>>4], fromCompact[b[n]&0x0f]
	n++
	switch {
	case key == Stop || value == Stop:
		return 0, 0, 0, errCodeType
	case int64(c)*int64(p.MinSize(key)+p.MinSize(value)) > int64(len(b)-n):
		return 0, 0, 0, errCodeTruncated
	}
	return key, value, int(c), n
}

// MinSize is the fewest bytes a value of type t takes.
func (CompactProtocol) MinSize(t Type) int {
	switch t {
	case Double:
		return 8
	case UUID:
		return 16
	}
	return 1
}

// AppendMessageBegin appends a message header: protocol id, version and
// type, seqid, name.
func (p CompactProtocol) AppendMessageBegin(b []byte, name string, t MessageType, seqID int32) []byte {
	b = append(b, compactProtocolID, byte(t)<<5|compactVersion)
	b = p.AppendUvarint(b, uint64(uint32(seqID)))
	return p.AppendString(b, name)
}

// SizeMessageBegin is the size of a message header.
func (p CompactProtocol) SizeMessageBegin(name string, seqID int32) int {
	return 2 + p.SizeUvarint(uint64(uint32(seqID))) + p.SizeString(name)
}

// ConsumeMessageBegin parses a message header. The name aliases b.
func (p CompactProtocol) ConsumeMessageBegin(b []byte) (name string, t MessageType, seqID int32, n int) {
	if len(b) < 2 {
		return "", 0, 0, errCodeTruncated
	}
	if b[0] != compactProtocolID || b[1]&0x1f != compactVersion {
		return "", 0, 0, errCodeVersion
	}
	if t = MessageType(b[1] >> 5); t < Call || t > Oneway {
		return "", 0, 0, errCodeVersion
	}
	s, m := p.uv32(b[2:])
	if m < 0 {
		return "", 0, 0, m
	}
	name, k := p.ConsumeString(b[2+m:])
	if k < 0 {
		return "", 0, 0, k
	}
	return name, t, int32(s), 2 + m + k
}
