package frame

import (
	"encoding/binary"
	"math"

	"github.com/ringwire/ringwire/buffer"
)

// Framed is the simplest envelope: a 4-byte big-endian length, then that many
// bytes of payload.

// FramedHeaderLen is the size of Framed's length field.
const FramedHeaderLen = 4

const framed = "Framed"

// framedLen checks a Framed length field against the limit.
func framedLen(hdr []byte, lim *Limits) (int, error) {
	n := binary.BigEndian.Uint32(hdr)
	if max := lim.maxFrame(); uint64(n) > uint64(max) {
		return 0, tooLarge(framed, 0, "length %d above MaxFrame %d", n, max)
	}
	return int(n), nil
}

// DecodeFramed parses the Framed frame at the start of p. It returns the
// payload, a sub-slice of p, and the frame's size, length field included. A
// p shorter than the frame gives a *NeedError.
func DecodeFramed(p []byte, lim *Limits) (payload []byte, size int, err error) {
	if len(p) < FramedHeaderLen {
		return nil, 0, &NeedError{Need: FramedHeaderLen}
	}
	n, err := framedLen(p, lim)
	if err != nil {
		return nil, 0, err
	}
	size = FramedHeaderLen + n
	if len(p) < size {
		return nil, 0, &NeedError{Need: size}
	}
	return p[FramedHeaderLen:size:size], size, nil
}

// AppendFramed appends a Framed frame holding payload to dst. A payload of
// 4 GiB or more does not fit the length field: AppendFramed panics rather
// than write a wrong length (StartFramed and FinishFramed return an error).
func AppendFramed(dst, payload []byte) []byte {
	if uint64(len(payload)) > math.MaxUint32 {
		panic("frame: AppendFramed: payload of 4 GiB or more")
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// StartFramed appends a Framed length field to dst, to be filled by
// FinishFramed once the payload has been appended after it: the payload is
// written once, where it stays. It returns dst and the field's offset.
func StartFramed(dst []byte) ([]byte, int) {
	return append(dst, 0, 0, 0, 0), len(dst)
}

// FinishFramed fills in the length field StartFramed put at offset start of
// dst: everything appended after it is the payload.
func FinishFramed(dst []byte, start int) error {
	n := len(dst) - start - FramedHeaderLen
	if start < 0 || n < 0 {
		return malformed(framed, 0, "no length field at offset %d of %d bytes", start, len(dst))
	}
	return putLength(framed, dst[start:], n)
}

// NextFramed consumes one Framed frame from r and returns its payload: a view
// of r's memory, valid until r's next Release (a copy when the payload
// spans nodes of a linked buffer). On a buffer that does not wait for bytes,
// a frame not fully there gives buffer.ErrShort and consumes nothing.
func NextFramed(r buffer.Reader, lim *Limits) ([]byte, error) {
	n, err := peekFramed(r, lim)
	if err != nil {
		return nil, err
	}
	// One Next of the whole frame: it consumes all of it or, short, none.
	p, err := r.Next(FramedHeaderLen + n)
	if err != nil {
		return nil, err
	}
	return p[FramedHeaderLen:], nil
}

// ReadFramed consumes one Framed frame from r and returns its payload as a
// Reader that shares r's memory and outlives r's Release; release it (Close,
// for a *buffer.Linked) when done. A frame not fully there is as for
// NextFramed.
func ReadFramed(r buffer.Reader, lim *Limits) (buffer.Reader, error) {
	n, err := peekFramed(r, lim)
	if err != nil {
		return nil, err
	}
	s, err := r.Slice(FramedHeaderLen + n)
	if err != nil {
		return nil, err
	}
	if err := s.Skip(FramedHeaderLen); err != nil {
		return nil, err
	}
	return s, nil
}

func peekFramed(r buffer.Reader, lim *Limits) (int, error) {
	hdr, err := r.Peek(FramedHeaderLen)
	if err != nil {
		return 0, err
	}
	return framedLen(hdr, lim)
}

// A FramedWriter writes a Framed frame onto a buffer.Writer without copying
// the payload: Begin reserves the length field, the payload is written to
// the same Writer, and End fills the field in. No Flush may come between.
type FramedWriter struct {
	r reserved
}

// Begin reserves the length field of a frame on w.
func (f *FramedWriter) Begin(w buffer.Writer) error {
	_, err := f.r.begin(w, FramedHeaderLen)
	return err
}

// End fills in the length of what was written since Begin.
func (f *FramedWriter) End() error { return f.r.end(framed, 0) }

// reserved is a frame header reserved on a buffer.Writer, its u32 length
// field filled in at the end: what FramedWriter and TTHeaderWriter share.
type reserved struct {
	w     buffer.Writer
	hdr   []byte // the header, its length field first
	start int    // w.Unflushed() after the header
}

// begin reserves n bytes of header on w and returns them.
func (r *reserved) begin(w buffer.Writer, n int) ([]byte, error) {
	if r.w != nil {
		return nil, ErrFrameOpen
	}
	hdr, err := w.Malloc(n)
	if err != nil {
		return nil, err
	}
	r.w, r.hdr, r.start = w, hdr, w.Unflushed()
	return hdr, nil
}

// end fills in the length field: extra (the header's bytes after the field
// that the length counts) plus what was written since begin.
func (r *reserved) end(format string, extra int) error {
	if r.w == nil {
		return malformed(format, 0, "End without Begin")
	}
	hdr, n := r.hdr, r.w.Unflushed()-r.start
	r.w, r.hdr = nil, nil
	if n < 0 {
		// A Flush between Begin and End, which the writers forbid, shows
		// only when fewer bytes followed it than preceded it.
		return ErrHeaderFlushed
	}
	return putLength(format, hdr, n+extra)
}

// putLength fills a frame's u32 length field with n.
func putLength(format string, p []byte, n int) error {
	if uint64(n) > math.MaxUint32 {
		return tooLarge(format, 0, "frame of %d bytes does not fit the length field", n)
	}
	binary.BigEndian.PutUint32(p, uint32(n))
	return nil
}
