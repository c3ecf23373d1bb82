package thriftwire

// SkipValue parses past one value of type t and returns its size. depth
// bounds the nesting of structs and containers (a value of a scalar type is
// depth 0; 0 or less means DefaultDepth).
func (p BinaryProtocol) SkipValue(b []byte, t Type, depth int) int {
	if depth <= 0 {
		depth = DefaultDepth
	}
	return p.skip(b, t, depth)
}

func (p BinaryProtocol) skip(b []byte, t Type, depth int) int {
	if size := binaryFixed(t); size > 0 {
		if len(b) < size {
			return errCodeTruncated
		}
		return size
	}
	switch t {
	case String:
		_, n := p.ConsumeBinary(b)
		return n
	case Struct, Map, Set, List:
		if depth == 0 {
			return errCodeDepth
		}
	default:
		return errCodeType
	}
	n := 0
	switch t {
	case Struct:
		for {
			ft, _, m := p.ConsumeFieldBegin(b[n:])
			if m < 0 {
				return m
			}
			n += m
			if ft == Stop {
				return n
			}
			if m = p.skip(b[n:], ft, depth-1); m < 0 {
				return m
			}
			n += m
		}
	case Map:
		k, v, count, m := p.ConsumeMapBegin(b)
		if m < 0 {
			return m
		}
		n = m
		for range count {
			if m = p.skip(b[n:], k, depth-1); m < 0 {
				return m
			}
			n += m
			if m = p.skip(b[n:], v, depth-1); m < 0 {
				return m
			}
			n += m
		}
	default: // Set, List
		elem, count, m := p.ConsumeListBegin(b)
		if m < 0 {
			return m
		}
		n = m
		if size := binaryFixed(elem); size > 0 {
			return n + count*size // ConsumeListBegin checked it fits
		}
		for range count {
			if m = p.skip(b[n:], elem, depth-1); m < 0 {
				return m
			}
			n += m
		}
	}
	return n
}

// binaryFixed is the size of a fixed-size type, 0 for the others.
func binaryFixed(t Type) int {
	switch t {
	case Bool, Byte:
		return 1
	case I16:
		return 2
	case I32:
		return 4
	case I64, Double:
		return 8
	case UUID:
		return 16
	}
	return 0
}

// SkipValue parses past one value of type t and returns its size, as
// Binary's. A bool here is one byte: a bool field's value is in its header,
// and ConsumeFieldBegin has taken it.
func (p CompactProtocol) SkipValue(b []byte, t Type, depth int) int {
	if depth <= 0 {
		depth = DefaultDepth
	}
	return p.skip(b, t, depth)
}

func (p CompactProtocol) skip(b []byte, t Type, depth int) int {
	switch t {
	case Bool, Byte:
		if len(b) < 1 {
			return errCodeTruncated
		}
		return 1
	case I16:
		_, n := p.ConsumeI16(b)
		return n
	case I32:
		_, n := p.ConsumeI32(b)
		return n
	case I64:
		_, n := p.ConsumeUvarint(b)
		return n
	case Double:
		if len(b) < 8 {
			return errCodeTruncated
		}
		return 8
	case UUID:
		if len(b) < 16 {
			return errCodeTruncated
		}
		return 16
	case String:
		_, n := p.ConsumeBinary(b)
		return n
	case Struct, Map, Set, List:
		if depth == 0 {
			return errCodeDepth
		}
	default:
		return errCodeType
	}
	n := 0
	switch t {
	case Struct:
		var last int16
		for {
			ft, id, _, m := p.ConsumeFieldBegin(b[n:], last)
			if m < 0 {
				return m
			}
			n += m
			if ft == Stop {
				return n
			}
			last = id
			if ft == Bool {
				continue // the value was in the header
			}
			if m = p.skip(b[n:], ft, depth-1); m < 0 {
				return m
			}
			n += m
		}
	case Map:
		k, v, count, m := p.ConsumeMapBegin(b)
		if m < 0 {
			return m
		}
		n = m
		for range count {
			if m = p.skip(b[n:], k, depth-1); m < 0 {
				return m
			}
			n += m
			if m = p.skip(b[n:], v, depth-1); m < 0 {
				return m
			}
			n += m
		}
	default: // Set, List
		elem, count, m := p.ConsumeListBegin(b)
		if m < 0 {
			return m
		}
		n = m
		for range count {
			if m = p.skip(b[n:], elem, depth-1); m < 0 {
				return m
			}
			n += m
		}
	}
	return n
}
