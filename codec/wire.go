package codec

import tw "github.com/ringwire/ringwire/codec/thriftwire"

// wire is what the codec's walkers (walk_template.go) call on a protocol:
// binaryWire and compactWire implement it, each with its protocol's
// primitives, and the generated walk_binary.go and walk_compact.go call
// them directly, so that they inline.
type wire interface {
	// fixed reports whether integers have fixed sizes (binary): then a
	// struct's fixed-size fields and a list of fixed-size elements are
	// sized without a walk. A constant in each stenciled copy.
	fixed() bool

	appendField(b []byte, f *fieldInfo, last int16) []byte   // f's header: binary's precomputed
	appendFieldBool(b []byte, v bool, id, last int16) []byte // header and value
	sizeFieldBegin(id, last int16) int
	sizeFieldBool(id, last int16) int
	appendListBegin(b []byte, elem tw.Type, n int) []byte
	sizeListBegin(n int) int
	appendMapBegin(b []byte, k, v tw.Type, n int) []byte
	sizeMapBegin(n int) int
	appendI16(b []byte, v int16) []byte
	sizeI16(v int16) int
	appendI32(b []byte, v int32) []byte
	sizeI32(v int32) int
	appendI64(b []byte, v int64) []byte
	sizeI64(v int64) int
	appendDouble(b []byte, v float64) []byte
	appendBool(b []byte, v bool) []byte
	appendString(b []byte, v string) []byte
	sizeLength(n int) int // of a string's or binary's length prefix

	// consumeFieldBegin returns, for a bool field in compact, its value
	// (inHeader true); binary's bool value follows the header.
	consumeFieldBegin(b []byte, last int16) (t tw.Type, id int16, v, inHeader bool, n int)
	consumeListBegin(b []byte) (elem tw.Type, n, m int)
	consumeMapBegin(b []byte) (k, v tw.Type, n, m int)
	consumeBool(b []byte) (bool, int)
	consumeI16(b []byte) (int16, int)
	consumeI32(b []byte) (int32, int)
	consumeI64(b []byte) (int64, int)
	consumeDouble(b []byte) (float64, int)
	consumeBinary(b []byte) ([]byte, int)
	skip(b []byte, t tw.Type, depth int) int

	// appendFieldBegin appends a field header of type t and id, last
	// being the id of the field written before it in the struct.
	appendFieldBegin(b []byte, t tw.Type, id, last int16) []byte

	// Unknown fields are kept in a struct's _unknownFields in the binary
	// protocol, as Kitex keeps them, whichever protocol they came in
	// (transcode.go). keepUnknown appends one as it came (header and
	// value) to the kept ones; unknownSize and appendKept size and write
	// the kept ones in this protocol, last being the id of the field
	// written before them.
	keepUnknown(dst, header, value []byte, t tw.Type, id int16, v bool) ([]byte, error)
	unknownSize(kept []byte) (int, error)
	appendKept(b, kept []byte, last int16) ([]byte, error)
}

var (
	_ wire = binaryWire(0)
	_ wire = compactWire(0)
)

// binaryWire's appends are Go's append of a few bytes, which is what the
// compiler does best. Measured on the small struct, both slower: writing
// within the capacity by reslicing (b[:l+8], then PutUint64 into b[l:]:
// 287 instructions against append's 239; the reslice and the subslice each
// check and mask), and a field's header and value in one append of 11
// bytes (272 against 241). A third, reserving a struct's fixed-size bytes
// on entry and writing those fields with unchecked stores, cost 268: the
// loop still spills its state around the calls its other fields make, and
// the reserving adds its own checks.
type binaryWire uint8

func (binaryWire) fixed() bool { return true }

func (binaryWire) appendField(b []byte, f *fieldInfo, _ int16) []byte {
	return append(b, f.binHeader[0], f.binHeader[1], f.binHeader[2])
}
func (binaryWire) appendFieldBool(b []byte, v bool, id, _ int16) []byte {
	return tw.Binary.AppendBool(tw.Binary.AppendFieldBegin(b, tw.Bool, id), v)
}
func (binaryWire) sizeFieldBegin(_, _ int16) int { return 3 }
func (binaryWire) sizeFieldBool(_, _ int16) int  { return 4 }
func (binaryWire) appendListBegin(b []byte, e tw.Type, n int) []byte {
	return tw.Binary.AppendListBegin(b, e, n)
}
func (binaryWire) sizeListBegin(int) int { return 5 }
func (binaryWire) appendMapBegin(b []byte, k, v tw.Type, n int) []byte {
	return tw.Binary.AppendMapBegin(b, k, v, n)
}
func (binaryWire) sizeMapBegin(int) int                    { return 6 }
func (binaryWire) appendI16(b []byte, v int16) []byte      { return tw.Binary.AppendI16(b, v) }
func (binaryWire) sizeI16(int16) int                       { return 2 }
func (binaryWire) appendI32(b []byte, v int32) []byte      { return tw.Binary.AppendI32(b, v) }
func (binaryWire) sizeI32(int32) int                       { return 4 }
func (binaryWire) appendI64(b []byte, v int64) []byte      { return tw.Binary.AppendI64(b, v) }
func (binaryWire) sizeI64(int64) int                       { return 8 }
func (binaryWire) appendDouble(b []byte, v float64) []byte { return tw.Binary.AppendDouble(b, v) }
func (binaryWire) appendBool(b []byte, v bool) []byte      { return tw.Binary.AppendBool(b, v) }
func (binaryWire) appendString(b []byte, v string) []byte  { return tw.Binary.AppendString(b, v) }
func (binaryWire) sizeLength(int) int                      { return 4 }
func (binaryWire) consumeBool(b []byte) (bool, int)        { return tw.Binary.ConsumeBool(b) }
func (binaryWire) consumeI16(b []byte) (int16, int)        { return tw.Binary.ConsumeI16(b) }
func (binaryWire) consumeI32(b []byte) (int32, int)        { return tw.Binary.ConsumeI32(b) }
func (binaryWire) consumeI64(b []byte) (int64, int)        { return tw.Binary.ConsumeI64(b) }
func (binaryWire) consumeDouble(b []byte) (float64, int)   { return tw.Binary.ConsumeDouble(b) }
func (binaryWire) consumeBinary(b []byte) ([]byte, int)    { return tw.Binary.ConsumeBinary(b) }
func (binaryWire) skip(b []byte, t tw.Type, depth int) int { return tw.Binary.SkipValue(b, t, depth) }
func (binaryWire) consumeListBegin(b []byte) (tw.Type, int, int) {
	return tw.Binary.ConsumeListBegin(b)
}
func (binaryWire) consumeMapBegin(b []byte) (tw.Type, tw.Type, int, int) {
	return tw.Binary.ConsumeMapBegin(b)
}

// consumeFieldBegin does not check the type: a known field's is compared
// with the field's, an unknown one's is checked by the skip.
func (binaryWire) consumeFieldBegin(b []byte, _ int16) (tw.Type, int16, bool, bool, int) {
	if len(b) >= 3 && b[0] != byte(tw.Stop) {
		return tw.Type(b[0]), int16(uint16(b[1])<<8 | uint16(b[2])), false, false, 3
	}
	if len(b) >= 1 && b[0] == byte(tw.Stop) {
		return tw.Stop, 0, false, false, 1
	}
	return 0, 0, false, false, codeTruncated
}

// codeTruncated is thriftwire's code for a short input, learnt from it so
// that consumeFieldBegin inlines, calling nothing.
var codeTruncated = func() int { _, _, n := tw.Binary.ConsumeFieldBegin(nil); return n }()

func (binaryWire) appendFieldBegin(b []byte, t tw.Type, id, _ int16) []byte {
	return tw.Binary.AppendFieldBegin(b, t, id)
}
func (binaryWire) keepUnknown(dst, header, value []byte, _ tw.Type, _ int16, _ bool) ([]byte, error) {
	return append(append(dst, header...), value...), nil
}
func (binaryWire) unknownSize(kept []byte) (int, error) { return len(kept), nil }
func (binaryWire) appendKept(b, kept []byte, _ int16) ([]byte, error) {
	return append(b, kept...), nil
}

type compactWire uint16

func (compactWire) fixed() bool { return false }

func (compactWire) appendFieldBegin(b []byte, t tw.Type, id, last int16) []byte {
	return tw.Compact.AppendFieldBegin(b, t, id, last)
}
func (w compactWire) keepUnknown(dst, _, value []byte, t tw.Type, id int16, v bool) ([]byte, error) {
	if t == tw.Bool {
		return binaryWire(0).appendFieldBool(dst, v, id, 0), nil
	}
	dst = tw.Binary.AppendFieldBegin(dst, t, id)
	dst, _, err := transcode(w, binaryWire(0), dst, value, t, DefaultMaxDepth)
	return dst, err
}
func (w compactWire) unknownSize(kept []byte) (int, error) {
	scratch := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(scratch)
	out, err := transcodeFields(binaryWire(0), w, (*scratch)[:0], kept, 0)
	*scratch = out[:0]
	return len(out), err
}
func (w compactWire) appendKept(b, kept []byte, last int16) ([]byte, error) {
	return transcodeFields(binaryWire(0), w, b, kept, last)
}

func (compactWire) appendField(b []byte, f *fieldInfo, last int16) []byte {
	return tw.Compact.AppendFieldBegin(b, f.typ.wire, f.id, last)
}
func (compactWire) appendFieldBool(b []byte, v bool, id, last int16) []byte {
	return tw.Compact.AppendFieldBool(b, v, id, last)
}
func (compactWire) sizeFieldBegin(id, last int16) int { return tw.Compact.SizeFieldBegin(id, last) }
func (compactWire) sizeFieldBool(id, last int16) int  { return tw.Compact.SizeFieldBegin(id, last) }
func (compactWire) appendListBegin(b []byte, e tw.Type, n int) []byte {
	return tw.Compact.AppendListBegin(b, e, n)
}
func (compactWire) sizeListBegin(n int) int { return tw.Compact.SizeListBegin(n) }
func (compactWire) appendMapBegin(b []byte, k, v tw.Type, n int) []byte {
	return tw.Compact.AppendMapBegin(b, k, v, n)
}
func (compactWire) sizeMapBegin(n int) int                  { return tw.Compact.SizeMapBegin(n) }
func (compactWire) appendI16(b []byte, v int16) []byte      { return tw.Compact.AppendI16(b, v) }
func (compactWire) sizeI16(v int16) int                     { return tw.Compact.SizeI16(v) }
func (compactWire) appendI32(b []byte, v int32) []byte      { return tw.Compact.AppendI32(b, v) }
func (compactWire) sizeI32(v int32) int                     { return tw.Compact.SizeI32(v) }
func (compactWire) appendI64(b []byte, v int64) []byte      { return tw.Compact.AppendI64(b, v) }
func (compactWire) sizeI64(v int64) int                     { return tw.Compact.SizeI64(v) }
func (compactWire) appendDouble(b []byte, v float64) []byte { return tw.Compact.AppendDouble(b, v) }
func (compactWire) appendBool(b []byte, v bool) []byte      { return tw.Compact.AppendBool(b, v) }
func (compactWire) appendString(b []byte, v string) []byte  { return tw.Compact.AppendString(b, v) }
func (compactWire) sizeLength(n int) int                    { return tw.Compact.SizeUvarint(uint64(n)) }
func (compactWire) consumeBool(b []byte) (bool, int)        { return tw.Compact.ConsumeBool(b) }
func (compactWire) consumeI16(b []byte) (int16, int)        { return tw.Compact.ConsumeI16(b) }
func (compactWire) consumeI32(b []byte) (int32, int)        { return tw.Compact.ConsumeI32(b) }
func (compactWire) consumeI64(b []byte) (int64, int)        { return tw.Compact.ConsumeI64(b) }
func (compactWire) consumeDouble(b []byte) (float64, int)   { return tw.Compact.ConsumeDouble(b) }
func (compactWire) consumeBinary(b []byte) ([]byte, int)    { return tw.Compact.ConsumeBinary(b) }
func (compactWire) skip(b []byte, t tw.Type, depth int) int { return tw.Compact.SkipValue(b, t, depth) }
func (compactWire) consumeListBegin(b []byte) (tw.Type, int, int) {
	return tw.Compact.ConsumeListBegin(b)
}
func (compactWire) consumeMapBegin(b []byte) (tw.Type, tw.Type, int, int) {
	return tw.Compact.ConsumeMapBegin(b)
}
func (compactWire) consumeFieldBegin(b []byte, last int16) (tw.Type, int16, bool, bool, int) {
	t, id, v, n := tw.Compact.ConsumeFieldBegin(b, last)
	return t, id, v, t == tw.Bool, n
}
