package frame

import "math"

// Limits bound what the decoders accept. A zero field, or a nil *Limits,
// means the default.
type Limits struct {
	// MaxFrame bounds a frame's size after its 4-byte length field. The
	// default, 16,384,000 bytes, is Apache Thrift Go's.
	MaxFrame int

	// MaxHeaderInfo bounds a header's info section. The default, 65,536
	// bytes, is Kitex's.
	MaxHeaderInfo int

	// MaxInfoEntries bounds the key/value pairs of one header, all blocks
	// together. The default is 4,096.
	MaxInfoEntries int

	// MaxDecompressed bounds what one transform may inflate a payload to,
	// checked while decompressing. The default is DefaultMaxFrame.
	MaxDecompressed int
}

// Defaults of Limits.
const (
	DefaultMaxFrame        = 16_384_000
	DefaultMaxHeaderInfo   = 65_536
	DefaultMaxInfoEntries  = 4_096
	DefaultMaxDecompressed = DefaultMaxFrame
)

// maxFrame is at most math.MaxInt-8, so that a frame's size, its length
// field's value plus 4, is an int on 32-bit platforms too.
func (l *Limits) maxFrame() int {
	if l == nil || l.MaxFrame <= 0 {
		return DefaultMaxFrame
	}
	return min(l.MaxFrame, math.MaxInt-8)
}

func (l *Limits) maxHeaderInfo() int {
	if l == nil || l.MaxHeaderInfo <= 0 {
		return DefaultMaxHeaderInfo
	}
	return l.MaxHeaderInfo
}

func (l *Limits) maxInfoEntries() int {
	if l == nil || l.MaxInfoEntries <= 0 {
		return DefaultMaxInfoEntries
	}
	return l.MaxInfoEntries
}

func (l *Limits) maxDecompressed() int {
	if l == nil || l.MaxDecompressed <= 0 {
		return DefaultMaxDecompressed
	}
	return l.MaxDecompressed
}
