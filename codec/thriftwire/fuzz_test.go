package thriftwire_test

import (
	"testing"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// FuzzBinary: no input panics; SkipValue and the Consume-only walker agree
// on every struct's size or both fail; nothing reads past the input.
func FuzzBinary(f *testing.F) {
	f.Add(apacheBinary)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _, _, h := tw.Binary.ConsumeMessageBegin(in, true)
		if h < 0 {
			h = 0
		}
		checkAgree(t, in[h:], binaryWalker{}, tw.Binary.SkipValue)
		tw.Binary.ConsumeApplicationException(in)
	})
}

// FuzzCompact is FuzzBinary for the compact protocol.
func FuzzCompact(f *testing.F) {
	f.Add(apacheCompact)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _, _, h := tw.Compact.ConsumeMessageBegin(in)
		if h < 0 {
			h = 0
		}
		checkAgree(t, in[h:], compactWalker{}, tw.Compact.SkipValue)
		tw.Compact.ConsumeApplicationException(in)
	})
}

func checkAgree(t *testing.T, in []byte, w walker, skip func([]byte, tw.Type, int) int) {
	_, n := w.value(in, tw.Struct, tw.DefaultDepth)
	s := skip(in, tw.Struct, 0)
	if (n < 0) != (s < 0) || (n >= 0 && n != s) || n > len(in) {
		t.Fatalf("walker %d (%v), SkipValue %d (%v), input %d bytes", n, tw.ParseError(n), s, tw.ParseError(s), len(in))
	}
}
