package rpc

import (
	"io"
	"net"

	"github.com/ringwire/ringwire/buffer"
)

// streamReader is a buffer.Reader over a connection that only has Read: a
// TLS connection. Peek and Next read until the bytes they ask for are
// buffered; memory they return stays valid until Release, which moves the
// unread rest to the front.
type streamReader struct {
	net.Conn
	buf      []byte
	off, end int // unread bytes are buf[off:end]
}

func newStreamReader(c net.Conn) *streamReader {
	return &streamReader{Conn: c}
}

// fill reads until n bytes are unread.
func (r *streamReader) fill(n int) error {
	if n > len(r.buf)-r.off {
		// Grow into new memory: slices returned before stay valid.
		nb := make([]byte, max(n, 2*(r.end-r.off), 4096))
		r.end = copy(nb, r.buf[r.off:r.end])
		r.buf, r.off = nb, 0
	}
	for r.end-r.off < n {
		m, err := r.Conn.Read(r.buf[r.end:])
		r.end += m
		if err != nil && r.end-r.off < n {
			if err == io.EOF && r.end > r.off {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

func (r *streamReader) Peek(n int) ([]byte, error) {
	if err := r.fill(n); err != nil {
		return nil, err
	}
	return r.buf[r.off : r.off+n : r.off+n], nil
}

func (r *streamReader) Next(n int) ([]byte, error) {
	p, err := r.Peek(n)
	if err == nil {
		r.off += n
	}
	return p, err
}

func (r *streamReader) Skip(n int) error {
	_, err := r.Next(n)
	return err
}

func (r *streamReader) Len() int { return r.end - r.off }

func (r *streamReader) Slice(n int) (buffer.Reader, error) {
	p, err := r.Next(n)
	if err != nil {
		return nil, err
	}
	var l buffer.Linked
	l.Write(p)
	l.Flush()
	return &l, nil
}

// Release drops what was read: the unread rest moves to the front, and a
// buffer grown past 64 KiB for one big message is let go once empty.
func (r *streamReader) Release() error {
	switch {
	case r.off == r.end && cap(r.buf) > 64<<10:
		r.buf, r.off, r.end = nil, 0, 0
	case r.off > 0:
		r.end = copy(r.buf, r.buf[r.off:r.end])
		r.off = 0
	}
	return nil
}
