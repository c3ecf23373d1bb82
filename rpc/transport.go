package rpc

import (
	"errors"
	"fmt"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/frame"
)

// A Transport is how messages are framed on a connection and which Thrift
// protocol they carry. A server tells it per message and replies in the
// same; a client sends in the one it is configured with.
type Transport uint8

// Transports.
const (
	TTHeader        Transport = iota // Kitex's TTHeader around binary: the client's default
	TTHeaderFramed                   // TTHeader around a Framed binary payload (Kitex's TTHeader|Framed)
	Framed                           // Framed binary: Kitex's client default, Apache's TFramedTransport
	Buffered                         // unframed binary (Kitex's "buffered", Apache's plain socket)
	THeader                          // Apache's THeader, binary
	THeaderCompact                   // Apache's THeader, compact
	FramedCompact                    // Framed compact
	BufferedCompact                  // unframed compact
	numTransports
)

var transportNames = [numTransports]string{
	"TTHeader", "TTHeader+Framed", "Framed", "Buffered", "THeader", "THeader+Compact",
	"Framed+Compact", "Buffered+Compact",
}

func (t Transport) String() string {
	if t < numTransports {
		return transportNames[t]
	}
	return fmt.Sprintf("Transport(%d)", uint8(t))
}

// protocol is the Thrift protocol the transport carries.
func (t Transport) protocol() codec.Protocol {
	switch t {
	case THeaderCompact, FramedCompact, BufferedCompact:
		return codec.Compact
	}
	return codec.Binary
}

// ttheader reports whether the transport carries TTHeader's headers:
// metadata, deadlines, business status.
func (t Transport) ttheader() bool { return t == TTHeader || t == TTHeaderFramed }

// valid reports whether t is one of the transports.
func (t Transport) valid() bool { return t < numTransports }

// errUnsupported is input this package does not serve: the connection
// closes.
type errUnsupported struct{ kind frame.Kind }

func (e errUnsupported) Error() string { return "rpc: unsupported protocol " + e.kind.String() }

// detectPeek is the most detect peeks at before it knows it needs more: it
// covers a TTHeader with a few hundred bytes of headers and stays within
// one receive chunk, where a peek does not copy.
const detectPeek = 512

// detect peeks at the next message on r and tells its transport, waiting
// for as many bytes as frame.Detect needs.
func detect(r buffer.Reader) (Transport, error) {
	// Peek at what has arrived, up to detectPeek bytes, at once: a TTHeader
	// needs its header and 8 bytes of payload told, and starting from 8
	// bytes cost two more peeks and two NeedErrors a call, 4 % of a busy
	// server's CPU (pprof of bench/rpc, pooled, 2026-12-04).
	n := min(max(r.Len(), 8), detectPeek)
	for {
		p, err := r.Peek(n)
		if err != nil {
			if errors.Is(err, buffer.ErrShort) && r.Len() > 0 && r.Len() < n {
				// An inline reader: the frame is not all here. Detect on what is.
				p, err = r.Peek(r.Len())
			}
			if err != nil {
				return 0, err
			}
		}
		kind, err := frame.Detect(p)
		if err != nil {
			if need, ok := err.(*frame.NeedError); ok && need.Need > n {
				n = need.Need
				continue
			}
			return 0, err
		}
		switch kind {
		case frame.KindTTHeader:
			return TTHeader, nil
		case frame.KindTTHeaderFramed:
			return TTHeaderFramed, nil
		case frame.KindFramedBinary:
			return Framed, nil
		case frame.KindUnframedBinary:
			return Buffered, nil
		case frame.KindTHeader:
			return THeader, nil // its protocol id says which; next tells
		case frame.KindFramedCompact:
			return FramedCompact, nil
		case frame.KindUnframedCompact:
			return BufferedCompact, nil
		}
		return 0, errUnsupported{kind}
	}
}

// next consumes the next message on r, framed as t, and returns its
// payload (a Thrift message) and, for a THeader, the transport its protocol
// id makes it. The payload and h's strings are views of r's memory, valid
// until r's next Release.
func next(r buffer.Reader, t Transport, h *frame.Header, lim *frame.Limits) (Transport, []byte, error) {
	switch t {
	case TTHeader, TTHeaderFramed:
		p, err := frame.NextTTHeader(r, h, lim)
		if err != nil {
			return t, nil, err
		}
		if h.Protocol != frame.ProtocolBinary {
			return t, nil, fmt.Errorf("rpc: TTHeader protocol id %#x: only binary is served", uint8(h.Protocol))
		}
		if t == TTHeaderFramed {
			q, n, err := frame.DecodeFramed(p, lim)
			if err != nil {
				return t, nil, err
			}
			if n != len(p) {
				return t, nil, fmt.Errorf("rpc: TTHeader payload holds %d bytes past its Framed frame", len(p)-n)
			}
			p = q
		}
		return t, p, nil
	case THeader, THeaderCompact:
		p, err := frame.NextTHeader(r, h, lim)
		if err != nil {
			return t, nil, err
		}
		t = THeader
		if h.Protocol == frame.ProtocolCompact {
			t = THeaderCompact
		}
		return t, p, nil
	case Framed, FramedCompact:
		p, err := frame.NextFramed(r, lim)
		return t, p, err
	case Buffered, BufferedCompact:
		p, err := nextUnframed(r, t.protocol(), lim)
		return t, p, err
	}
	return t, nil, fmt.Errorf("rpc: %v is not a transport", t)
}

// nextUnframed consumes one unframed message: its length is known only by
// parsing it, so it peeks at what has arrived, and at one byte more each
// time the message runs past it, up to the frame limit.
func nextUnframed(r buffer.Reader, p codec.Protocol, lim *frame.Limits) ([]byte, error) {
	limit := frame.DefaultMaxFrame
	if lim != nil && lim.MaxFrame > 0 {
		limit = lim.MaxFrame
	}
	want := 8
	for {
		b, err := r.Peek(max(want, r.Len()))
		if err != nil {
			return nil, err
		}
		n := messageLen(b, p)
		if n > 0 {
			return r.Next(n)
		}
		if err := tw.ParseError(n); !errors.Is(err, tw.ErrTruncated) {
			return nil, fmt.Errorf("rpc: unframed message: %w", err)
		}
		if len(b) >= limit {
			return nil, fmt.Errorf("rpc: unframed message over %d bytes: %w", limit, frame.ErrTooLarge)
		}
		want = len(b) + 1
	}
}

// messageLen is the size of the message at the start of b, or a negative
// thriftwire code.
func messageLen(b []byte, p codec.Protocol) int {
	var n int
	if p == codec.Compact {
		_, _, _, n = tw.Compact.ConsumeMessageBegin(b)
	} else {
		_, _, _, n = tw.Binary.ConsumeMessageBegin(b, false)
	}
	if n < 0 {
		return n
	}
	var m int
	if p == codec.Compact {
		m = tw.Compact.SkipValue(b[n:], tw.Struct, tw.DefaultDepth)
	} else {
		m = tw.Binary.SkipValue(b[n:], tw.Struct, tw.DefaultDepth)
	}
	if m < 0 {
		return m
	}
	return n + m
}

// framing is where beginFrame left the frame's length fields.
type framing struct{ outer, inner int }

// beginFrame appends t's frame header (with h for the header transports)
// to dst; the message follows, then endFrame.
func beginFrame(dst []byte, t Transport, h *frame.Header) ([]byte, framing, error) {
	var f framing
	var err error
	switch t {
	case TTHeader:
		dst, f.outer, err = frame.StartTTHeader(dst, h)
	case TTHeaderFramed:
		if dst, f.outer, err = frame.StartTTHeader(dst, h); err == nil {
			dst, f.inner = frame.StartFramed(dst)
		}
	case THeader, THeaderCompact:
		h.Protocol = frame.ProtocolBinary
		if t == THeaderCompact {
			h.Protocol = frame.ProtocolCompact
		}
		dst, f.outer, err = frame.StartTHeader(dst, h)
	case Framed, FramedCompact:
		dst, f.outer = frame.StartFramed(dst)
	}
	return dst, f, err
}

// endFrame fills in the lengths of the frame beginFrame began.
func endFrame(dst []byte, t Transport, f framing) ([]byte, error) {
	switch t {
	case TTHeader:
		return dst, frame.FinishTTHeader(dst, f.outer)
	case TTHeaderFramed:
		if err := frame.FinishFramed(dst, f.inner); err != nil {
			return dst, err
		}
		return dst, frame.FinishTTHeader(dst, f.outer)
	case THeader, THeaderCompact:
		return frame.FinishTHeader(dst, f.outer)
	case Framed, FramedCompact:
		return dst, frame.FinishFramed(dst, f.outer)
	}
	return dst, nil
}
