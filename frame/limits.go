package frame

// Limits bound what the decoders accept. A zero field, or a nil *Limits,
// means the default.
type Limits struct {
	// MaxFrame bounds a frame's size after its 4-byte length field. The
	// default, 16,384,000 bytes, is Apache Thrift Go's.
	MaxFrame int
}

// DefaultMaxFrame is MaxFrame's default.
const DefaultMaxFrame = 16_384_000

func (l *Limits) maxFrame() int {
	if l == nil || l.MaxFrame <= 0 {
		return DefaultMaxFrame
	}
	return l.MaxFrame
}
