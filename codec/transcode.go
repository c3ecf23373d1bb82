package codec

import (
	"sync"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// A struct's kept unknown fields (_unknownFields, as Kitex generates it)
// are held in the binary protocol whichever protocol they were read in, as
// Kitex holds them: a value read from compact keeps them when it is written
// in binary or handed to Kitex's generated code, and one read from binary
// keeps them when written in compact. Reading compact transcodes them into
// binary; writing compact transcodes them back. Before, they were kept in
// the protocol they came in, and a value written in the other protocol
// carried bytes its reader could not parse (found by review).

// transcode appends to dst the value of type t at the start of in, read in
// protocol from and written in protocol to, and returns the bytes it read.
// in was checked by a skip, but is checked again.
func transcode(from, to wire, dst, in []byte, t tw.Type, depth int) ([]byte, int, error) {
	if depth <= 0 {
		return dst, 0, ErrDepth
	}
	n := 0
	switch t {
	case tw.Bool:
		var v bool
		if v, n = from.consumeBool(in); n >= 0 {
			dst = to.appendBool(dst, v)
		}
	case tw.Byte:
		if len(in) < 1 {
			return dst, 0, tw.ErrTruncated
		}
		dst, n = append(dst, in[0]), 1
	case tw.I16:
		var v int16
		if v, n = from.consumeI16(in); n >= 0 {
			dst = to.appendI16(dst, v)
		}
	case tw.I32:
		var v int32
		if v, n = from.consumeI32(in); n >= 0 {
			dst = to.appendI32(dst, v)
		}
	case tw.I64:
		var v int64
		if v, n = from.consumeI64(in); n >= 0 {
			dst = to.appendI64(dst, v)
		}
	case tw.Double:
		var v float64
		if v, n = from.consumeDouble(in); n >= 0 {
			dst = to.appendDouble(dst, v)
		}
	case tw.String:
		var v []byte
		if v, n = from.consumeBinary(in); n >= 0 {
			dst = to.appendString(dst, unsafex.String(v))
		}
	case tw.UUID:
		if len(in) < 16 {
			return dst, 0, tw.ErrTruncated
		}
		dst, n = append(dst, in[:16]...), 16
	case tw.Struct:
		return transcodeStruct(from, to, dst, in, depth-1)
	case tw.List, tw.Set:
		et, count, m := from.consumeListBegin(in)
		if m < 0 {
			return dst, 0, tw.ParseError(m)
		}
		dst, n = to.appendListBegin(dst, et, count), m
		for range count {
			var err error
			if dst, m, err = transcode(from, to, dst, in[n:], et, depth-1); err != nil {
				return dst, 0, err
			}
			n += m
		}
		return dst, n, nil
	case tw.Map:
		kt, vt, count, m := from.consumeMapBegin(in)
		if m < 0 {
			return dst, 0, tw.ParseError(m)
		}
		dst, n = to.appendMapBegin(dst, kt, vt, count), m
		for range count {
			for _, et := range [2]tw.Type{kt, vt} {
				var err error
				if dst, m, err = transcode(from, to, dst, in[n:], et, depth-1); err != nil {
					return dst, 0, err
				}
				n += m
			}
		}
		return dst, n, nil
	default:
		return dst, 0, tw.ErrType
	}
	if n < 0 {
		return dst, 0, tw.ParseError(n)
	}
	return dst, n, nil
}

// transcodeStruct transcodes a struct's fields and its stop.
func transcodeStruct(from, to wire, dst, in []byte, depth int) ([]byte, int, error) {
	n, last, wlast := 0, int16(0), int16(0)
	for {
		t, id, v, inHeader, m := from.consumeFieldBegin(in[n:], last)
		if m < 0 {
			return dst, 0, tw.ParseError(m)
		}
		n += m
		if t == tw.Stop {
			return append(dst, 0), n, nil // a stop is 0 in both protocols
		}
		var err error
		if dst, m, err = transcodeField(from, to, dst, in[n:], t, id, v, inHeader, wlast, depth); err != nil {
			return dst, 0, err
		}
		n += m
		last, wlast = id, id
	}
}

// transcodeField writes a field whose header was read (t, id, and, in
// compact, a bool's value) and whose value starts in in.
func transcodeField(from, to wire, dst, in []byte, t tw.Type, id int16, v, inHeader bool, last int16, depth int) ([]byte, int, error) {
	if t == tw.Bool {
		n := 0
		if !inHeader {
			if v, n = from.consumeBool(in); n < 0 {
				return dst, 0, tw.ParseError(n)
			}
		}
		return to.appendFieldBool(dst, v, id, last), n, nil
	}
	return transcode(from, to, to.appendFieldBegin(dst, t, id, last), in, t, depth)
}

// transcodeFields transcodes fields, with no stop after them, as kept
// unknown fields are held; last is the id of the field written before them.
func transcodeFields(from, to wire, dst, in []byte, last int16) ([]byte, error) {
	for n, rlast := 0, int16(0); n < len(in); {
		t, id, v, inHeader, m := from.consumeFieldBegin(in[n:], rlast)
		if m < 0 || t == tw.Stop {
			return dst, tw.ErrTruncated
		}
		n += m
		var err error
		if dst, m, err = transcodeField(from, to, dst, in[n:], t, id, v, inHeader, last, DefaultMaxDepth); err != nil {
			return dst, err
		}
		n += m
		rlast, last = id, id
	}
	return dst, nil
}

// scratchPool holds the buffers compact's unknownSize transcodes into to
// measure: sizing allocates nothing once they have grown.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}
