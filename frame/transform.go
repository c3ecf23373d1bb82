package frame

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// A TransformID names a transform applied to a payload. THeader applies
// them (Apache Thrift Go knows zlib only; snappy and zstd are fbthrift's);
// TTHeader lists them but Kitex ignores the list and writes none, so
// DecodeTTHeader leaves its payload as it is and a caller whose peer does
// transform calls Untransform itself.
type TransformID uint8

// Transform ids, as HeaderFormat.md and fbthrift number them.
const (
	TransformNone   TransformID = 0x00 // nothing to do (Apache's TransformNone)
	TransformZlib   TransformID = 0x01 // a zlib stream (RFC 1950)
	TransformHMAC   TransformID = 0x02 // not supported
	TransformSnappy TransformID = 0x03 // one Snappy block, no stream framing
	TransformQLZ    TransformID = 0x04 // QuickLZ, not supported
	TransformZstd   TransformID = 0x05 // zstd frames
)

var transformNames = [...]string{"none", "zlib", "HMAC", "snappy", "QuickLZ", "zstd"}

func (t TransformID) String() string {
	if int(t) < len(transformNames) {
		return transformNames[t]
	}
	return fmt.Sprintf("transform %#04x", uint8(t))
}

func (t TransformID) supported() bool {
	return t == TransformNone || t == TransformZlib || t == TransformSnappy || t == TransformZstd
}

func unsupportedTransform(format string, off, id int) error {
	name := fmt.Sprintf("%#04x", id)
	if id >= 0 && id < len(transformNames) {
		name += " (" + transformNames[id] + ")"
	}
	return &Error{Format: format, Offset: off, Kind: ErrUnsupported, What: "transform " + name + " is not supported"}
}

// MaxTransforms bounds the transforms, TransformNone aside, that Transform
// and Untransform apply to one payload: each may cost a pass over up to
// MaxDecompressed bytes, and a frame's header could list thousands. Writers
// list one.
const MaxTransforms = 4

// Transform applies ids, in order, to src and appends the result to dst.
// Compressors are pooled: in steady state a transform allocates nothing
// beyond growing dst. TransformNone steps are skipped.
func Transform(dst, src []byte, ids []TransformID) ([]byte, error) {
	var some [MaxTransforms]TransformID
	steps, err := compressing(some[:0], ids)
	if err != nil {
		return dst, err
	}
	return chain(dst, src, len(steps), func(dst, src []byte, i int) ([]byte, error) {
		return compress(dst, src, steps[i])
	})
}

// Untransform undoes ids, the last first, on src and appends the result to
// dst; TransformNone steps are skipped. Each step's output is bounded by
// lim's MaxDecompressed, checked while decompressing: a small input that
// would inflate past it stops there with an ErrTooLarge *Error. Growing the
// output as it inflates allocates up to about twice the limit in all; a
// chain of steps holds up to one more limit per step between.
func Untransform(dst, src []byte, ids []TransformID, lim *Limits) ([]byte, error) {
	var some [MaxTransforms]TransformID
	steps, err := compressing(some[:0], ids)
	if err != nil {
		return dst, err
	}
	max := lim.maxDecompressed()
	n := len(steps)
	return chain(dst, src, n, func(dst, src []byte, i int) ([]byte, error) {
		return decompress(dst, src, steps[n-1-i], max)
	})
}

// compressing appends to steps the ids that do something, checking each is
// supported and that there are at most MaxTransforms.
func compressing(steps, ids []TransformID) ([]TransformID, error) {
	for _, id := range ids {
		switch {
		case id == TransformNone:
		case !id.supported():
			return nil, unsupportedTransform(id.String(), 0, int(id))
		case len(steps) == MaxTransforms:
			return nil, tooLarge("transform", 0, "more than %d transforms", MaxTransforms)
		default:
			steps = append(steps, id)
		}
	}
	return steps, nil
}

// chain runs n steps, each reading the previous one's output, the last
// appending to dst; the ones between write to pooled scratch buffers.
func chain(dst, src []byte, n int, step func(dst, src []byte, i int) ([]byte, error)) ([]byte, error) {
	if n == 0 {
		return append(dst, src...), nil
	}
	var held [2]*scratch
	defer func() {
		for _, s := range held {
			if s != nil {
				putScratch(s)
			}
		}
	}()
	for i := range n - 1 {
		s := held[i%2]
		if s == nil {
			s = getScratch()
			held[i%2] = s
		}
		out, err := step(s.b[:0], src, i)
		if err != nil {
			return dst, err
		}
		s.b, src = out, out
	}
	return step(dst, src, n-1)
}

func compress(dst, src []byte, id TransformID) ([]byte, error) {
	switch id {
	case TransformZlib:
		e := zlibWriters.Get().(*zlibWriter)
		defer zlibWriters.Put(e)
		e.out.b = dst
		e.w.Reset(&e.out)
		_, err := e.w.Write(src)
		if err == nil {
			err = e.w.Close()
		}
		dst, e.out.b = e.out.b, nil
		return dst, err
	case TransformSnappy:
		n := s2.MaxEncodedLen(len(src))
		if n < 0 {
			return dst, tooLarge("snappy", 0, "%d bytes are past what a Snappy block holds", len(src))
		}
		dst = grow(dst, n)
		out := s2.EncodeSnappy(dst[len(dst):len(dst)+n], src)
		return dst[:len(dst)+len(out)], nil
	case TransformZstd:
		return zstdEncoder().EncodeAll(src, dst), nil
	}
	return dst, unsupportedTransform(id.String(), 0, int(id))
}

func decompress(dst, src []byte, id TransformID, max int) ([]byte, error) {
	switch id {
	case TransformZlib:
		d := zlibReaders.Get().(*zlibReader)
		defer func() {
			d.src.Reset(nil) // the pool must not keep the input alive
			zlibReaders.Put(d)
		}()
		d.src.Reset(src)
		if d.r == nil {
			r, err := zlib.NewReader(&d.src)
			if err != nil {
				return dst, malformed("zlib", 0, "%v", err)
			}
			d.r = r
		} else if err := d.r.(zlib.Resetter).Reset(&d.src, nil); err != nil {
			return dst, malformed("zlib", 0, "%v", err)
		}
		return readAtMost(dst, d.r, max, 4*len(src))
	case TransformSnappy:
		n, err := s2.DecodedLen(src)
		switch {
		case err != nil:
			return dst, malformed("snappy", 0, "%v", err)
		case n > max:
			return dst, tooLarge("snappy", 0, "block of %d bytes above MaxDecompressed %d", n, max)
		}
		dst = grow(dst, n)
		if _, err := s2.Decode(dst[len(dst):len(dst)+n], src); err != nil {
			return dst, malformed("snappy", 0, "%v", err)
		}
		return dst[:len(dst)+n], nil
	case TransformZstd:
		// Decoded after dst's bytes, not onto dst: the decoder counts what
		// dst already holds against its limit.
		free := cap(dst) - len(dst)
		out, err := zstdDecoder(max).DecodeAll(src, dst[len(dst):])
		switch {
		case errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
			return dst, tooLarge("zstd", 0, "output or window above MaxDecompressed %d", max)
		case err != nil:
			return dst, malformed("zstd", 0, "%v", err)
		case cap(out) == free:
			return dst[:len(dst)+len(out)], nil // decoded in place
		}
		return append(dst, out...), nil // the decoder needed more room
	}
	return dst, unsupportedTransform(id.String(), 0, int(id))
}

// readAtMost appends what r yields to dst until EOF, failing once it passes
// max bytes; guess sizes the first growth, if dst has no room to start with.
func readAtMost(dst []byte, r io.Reader, max, guess int) ([]byte, error) {
	start := len(dst)
	if cap(dst)-len(dst) < 512 {
		dst = grow(dst, min(max+1, guess+512))
	}
	for {
		if len(dst) == cap(dst) {
			dst = grow(dst, min(max+1-(len(dst)-start), len(dst)-start))
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), start+max+1)])
		dst = dst[:len(dst)+n]
		if len(dst)-start > max {
			return dst[:start], tooLarge("zlib", 0, "output above MaxDecompressed %d", max)
		}
		switch {
		case err == io.EOF:
			return dst, nil
		case err != nil:
			return dst[:start], malformed("zlib", 0, "%v", err)
		}
	}
}

// grow makes room for n more bytes after dst's length.
func grow(dst []byte, n int) []byte { return slices.Grow(dst, n) }

// appendWriter is an io.Writer that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

type zlibWriter struct {
	w   *zlib.Writer
	out appendWriter
}

type zlibReader struct {
	r   io.ReadCloser // a zlib.Resetter once made
	src bytes.Reader
}

var (
	zlibWriters = sync.Pool{New: func() any { return &zlibWriter{w: zlib.NewWriter(nil)} }}
	zlibReaders = sync.Pool{New: func() any { return new(zlibReader) }}

	// zstd's Encoder and Decoder are safe for concurrent EncodeAll and
	// DecodeAll and pool their state inside; neither starts a goroutine
	// for them.
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			panic(err) // only for bad options
		}
		return e
	})
	zstdDecoders sync.Map // MaxDecompressed -> *zstd.Decoder
)

// zstdDecoder returns the decoder whose memory limit is max. A server has
// one or two Limits, so the map stays small.
func zstdDecoder(max int) *zstd.Decoder {
	if d, ok := zstdDecoders.Load(max); ok {
		return d.(*zstd.Decoder)
	}
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(uint64(max)))
	if err != nil {
		panic(err) // only for bad options
	}
	if old, loaded := zstdDecoders.LoadOrStore(max, d); loaded {
		d.Close()
		return old.(*zstd.Decoder)
	}
	return d
}

// scratch is a pooled buffer for a transform's intermediate output.
type scratch struct{ b []byte }

// maxPooledScratch keeps a pooled scratch from pinning a rare huge payload's
// memory.
const maxPooledScratch = 1 << 20

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratches.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.b) > maxPooledScratch {
		s.b = nil
	}
	s.b = s.b[:0]
	scratches.Put(s)
}
