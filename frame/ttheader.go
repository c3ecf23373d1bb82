package frame

import (
	"encoding/binary"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// TTHeader is Kitex's envelope (../shared/PROTOCOLS.md, "TTHeader"):
//
//	u32 length (of what follows) | u16 magic 0x1000 | u16 flags | i32 seqid
//	| u16 header size in 4-byte words | header info | payload
//
// Header info: u8 protocol id, u8 transform count and ids, then info blocks
// (0x00 padding, 0x01 string pairs, 0x10 int pairs, 0x11 ACL token) to its
// end.

const (
	// TTHeaderMagic is the u16 at offset 4 of a TTHeader frame.
	TTHeaderMagic = 0x1000

	// ttFixed is the frame's fixed part: length, magic, flags, seqid,
	// header size.
	ttFixed = 14

	ttheader = "TTHeader"
)

// Info block ids.
const (
	infoPadding = 0x00
	infoStrings = 0x01
	infoInts    = 0x10
	infoACL     = 0x11
)

// A ProtocolID names the payload's encoding.
type ProtocolID uint8

// Payload protocols.
const (
	ProtocolBinary   ProtocolID = 0x00
	ProtocolCompact  ProtocolID = 0x02
	ProtocolProtobuf ProtocolID = 0x04 // Kitex protobuf
)

// A StringPair is one string header. Key and Value point into the frame's
// memory when decoded: valid until that memory is released or reused (for
// DecodeTTHeader, as long as its input is unchanged). Header.Clone copies.
type StringPair struct {
	Key, Value string
}

// An IntPair is one int-keyed header, its Value valid as a StringPair's.
type IntPair struct {
	Key   IntKey
	Value string
}

// An IntKey is the key of an int-keyed TTHeader header.
type IntKey uint16

// Header is a TTHeader's or a THeader's fields (a THeader has no Ints and no
// ACLToken, and its Protocol is binary or compact). Decoding into a Header reuses its slices, so
// that a Header kept across frames costs no allocation per frame once they
// have grown.
type Header struct {
	Flags      uint16
	SeqID      int32
	Protocol   ProtocolID
	Transforms []TransformID
	Strings    []StringPair
	Ints       []IntPair
	ACLToken   string // empty when the frame has none

	crc *[8]byte // SetCRC32C's value
}

// Reset empties h, keeping its slices' memory.
func (h *Header) Reset() {
	*h = Header{Transforms: h.Transforms[:0], Strings: h.Strings[:0], Ints: h.Ints[:0], crc: h.crc}
}

// String returns the value of the string header key, and whether there is
// one. Of duplicates it returns the last, as Kitex and Apache Thrift, which
// read headers into maps, keep the last. The value is valid as StringPair's.
func (h *Header) String(key string) (string, bool) {
	for i := len(h.Strings) - 1; i >= 0; i-- {
		if h.Strings[i].Key == key {
			return h.Strings[i].Value, true
		}
	}
	return "", false
}

// Int returns the value of the int header key, and whether there is one; of
// duplicates, the last. The value is valid as StringPair's.
func (h *Header) Int(key IntKey) (string, bool) {
	for i := len(h.Ints) - 1; i >= 0; i-- {
		if h.Ints[i].Key == key {
			return h.Ints[i].Value, true
		}
	}
	return "", false
}

// Clone returns a copy of h that owns its memory: one allocation for all its
// strings.
func (h *Header) Clone() *Header {
	n := len(h.ACLToken)
	for _, p := range h.Strings {
		n += len(p.Key) + len(p.Value)
	}
	for _, p := range h.Ints {
		n += len(p.Value)
	}
	mem := make([]byte, 0, n)
	own := func(s string) string {
		start := len(mem)
		mem = append(mem, s...)
		return unsafex.String(mem[start:len(mem):len(mem)])
	}
	c := &Header{Flags: h.Flags, SeqID: h.SeqID, Protocol: h.Protocol,
		Transforms: append([]TransformID(nil), h.Transforms...)}
	c.ACLToken = own(h.ACLToken)
	if len(h.Strings) > 0 {
		c.Strings = make([]StringPair, len(h.Strings))
		for i, p := range h.Strings {
			c.Strings[i] = StringPair{own(p.Key), own(p.Value)}
		}
	}
	if len(h.Ints) > 0 {
		c.Ints = make([]IntPair, len(h.Ints))
		for i, p := range h.Ints {
			c.Ints[i] = IntPair{p.Key, own(p.Value)}
		}
	}
	return c
}

// IsTTHeader reports whether p, at least 8 bytes, starts a TTHeader frame.
func IsTTHeader(p []byte) bool {
	return len(p) >= 8 && binary.BigEndian.Uint16(p[4:]) == TTHeaderMagic
}

// DecodeTTHeader parses the TTHeader frame at the start of p into h and
// returns its payload (a sub-slice of p) and the frame's size. The strings
// in h point into p. A p shorter than the frame gives a *NeedError.
func DecodeTTHeader(p []byte, h *Header, lim *Limits) (payload []byte, size int, err error) {
	return decodeHeader(ttheader, TTHeaderMagic, (*Header).decodeInfo, p, h, lim)
}

// decodeHeader is DecodeTTHeader and DecodeTHeader, which share the fixed
// part and differ in the magic and in how info parses the header info.
func decodeHeader(format string, magic uint16, info func(*Header, []byte, *Limits) error,
	p []byte, h *Header, lim *Limits) (payload []byte, size int, err error) {
	if len(p) < ttFixed {
		return nil, 0, &NeedError{Need: ttFixed}
	}
	size, n, err := headerSize(format, magic, p, lim)
	if err != nil {
		return nil, 0, err
	}
	if len(p) < size {
		return nil, 0, &NeedError{Need: size}
	}
	h.Reset()
	h.Flags = binary.BigEndian.Uint16(p[6:])
	h.SeqID = int32(binary.BigEndian.Uint32(p[8:]))
	if err := info(h, p[:ttFixed+n], lim); err != nil {
		return nil, 0, err
	}
	return p[ttFixed+n : size : size], size, nil
}

// headerSize checks the fixed part, p[:ttFixed], of a TTHeader or THeader
// frame (their fixed parts differ only in the magic) and returns the frame's
// size and its header info's.
func headerSize(format string, magic uint16, p []byte, lim *Limits) (size, info int, err error) {
	length := binary.BigEndian.Uint32(p)
	if max := lim.maxFrame(); uint64(length) > uint64(max) {
		return 0, 0, tooLarge(format, 0, "length %d above MaxFrame %d", length, max)
	}
	if m := binary.BigEndian.Uint16(p[4:]); m != magic {
		return 0, 0, malformed(format, 4, "magic %#04x, want %#04x", m, magic)
	}
	size = 4 + int(length)
	info = 4 * int(binary.BigEndian.Uint16(p[12:]))
	switch {
	case info > lim.maxHeaderInfo():
		return 0, 0, tooLarge(format, 12, "header info of %d bytes above MaxHeaderInfo %d", info, lim.maxHeaderInfo())
	case info == 0:
		return 0, 0, malformed(format, 12, "no header info: it must hold the protocol id and transform count")
	case ttFixed+info > size:
		return 0, 0, malformed(format, 12, "header info of %d bytes past the frame's %d", info, size)
	}
	return size, info, nil
}

// decodeInfo parses the header info, which ends p; offsets are p's.
func (h *Header) decodeInfo(p []byte, lim *Limits) error {
	d := infoDecoder{format: ttheader, p: p, off: ttFixed}
	h.Protocol = ProtocolID(d.u8())
	n := int(d.u8())
	if d.err == nil && n > len(p)-d.off {
		return malformed(ttheader, d.off-1, "%d transform ids past the header info's end (%d left)", n, len(p)-d.off)
	}
	for range n {
		h.Transforms = append(h.Transforms, TransformID(d.u8()))
	}
	if d.err != nil {
		return d.err
	}
	entries, max := 0, lim.maxInfoEntries()
	for d.off < len(p) {
		at := d.off
		switch id := d.u8(); id {
		case infoPadding:
		case infoStrings:
			n := d.count(&entries, max, 4)
			for range n {
				k := d.str()
				h.Strings = append(h.Strings, StringPair{k, d.str()})
			}
		case infoInts:
			n := d.count(&entries, max, 4)
			for range n {
				k := IntKey(d.u16())
				h.Ints = append(h.Ints, IntPair{k, d.str()})
			}
		case infoACL:
			h.ACLToken = d.str()
		default:
			return malformed(ttheader, at, "info block id %#04x", id)
		}
		if d.err != nil {
			return d.err
		}
	}
	return nil
}

// infoDecoder reads header info; the first fault sticks in err, and reads
// after it return zero values.
type infoDecoder struct {
	format string
	p      []byte
	off    int
	err    error
}

// need reports whether n more bytes are there; small enough to inline, with
// the error built out of line.
func (d *infoDecoder) need(n int, what string) bool {
	if d.err == nil && len(d.p)-d.off >= n {
		return true
	}
	d.short(n, what)
	return false
}

func (d *infoDecoder) short(n int, what string) {
	if d.err == nil {
		d.err = malformed(d.format, d.off, "%s of %d bytes past the header info's end (%d left)", what, n, len(d.p)-d.off)
	}
}

func (d *infoDecoder) u8() uint8 {
	if !d.need(1, "a byte") {
		return 0
	}
	d.off++
	return d.p[d.off-1]
}

func (d *infoDecoder) u16() uint16 {
	if !d.need(2, "a u16") {
		return 0
	}
	d.off += 2
	return binary.BigEndian.Uint16(d.p[d.off-2:])
}

// str reads a u16 length and that many bytes, as a string sharing p. The
// usual case is inline; strSlow says what is missing.
func (d *infoDecoder) str() string {
	if d.err == nil && len(d.p)-d.off >= 2 {
		if n := int(binary.BigEndian.Uint16(d.p[d.off:])); len(d.p)-d.off-2 >= n {
			d.off += 2 + n
			return unsafex.String(d.p[d.off-n : d.off])
		}
	}
	return d.strSlow()
}

func (d *infoDecoder) strSlow() string {
	n := int(d.u16())
	if !d.need(n, "a string") {
		return ""
	}
	d.off += n
	return unsafex.String(d.p[d.off-n : d.off])
}

// count reads a block's u16 pair count, and checks it against the entries
// so far and the limit, and against what remains at minSize bytes a pair,
// before anything is appended.
func (d *infoDecoder) count(entries *int, max, minSize int) int {
	at := d.off
	n := int(d.u16())
	if d.err != nil {
		return 0
	}
	if *entries+n > max {
		d.err = tooLarge(d.format, at, "%d header entries above MaxInfoEntries %d", *entries+n, max)
		return 0
	}
	if n*minSize > len(d.p)-d.off {
		d.err = malformed(d.format, at, "%d pairs cannot fit the %d bytes left", n, len(d.p)-d.off)
		return 0
	}
	*entries += n
	return n
}

// NextTTHeader consumes one TTHeader frame from r, decodes its header into h
// and returns its payload. The payload and h's strings are views of r's
// memory (or of one copy, when the frame spans nodes of a linked buffer),
// valid until r's next Release. On a buffer that does not wait for bytes, a
// frame not fully there gives buffer.ErrShort and consumes nothing.
func NextTTHeader(r buffer.Reader, h *Header, lim *Limits) ([]byte, error) {
	return nextHeader(ttheader, TTHeaderMagic, (*Header).decodeInfo, r, h, lim)
}

// nextHeader is NextTTHeader and NextTHeader.
func nextHeader(format string, magic uint16, info func(*Header, []byte, *Limits) error,
	r buffer.Reader, h *Header, lim *Limits) ([]byte, error) {
	fixed, err := r.Peek(ttFixed)
	if err != nil {
		return nil, err
	}
	size, _, err := headerSize(format, magic, fixed, lim)
	if err != nil {
		return nil, err
	}
	// One Next of the whole frame: it consumes all of it or, short, none.
	p, err := r.Next(size)
	if err != nil {
		return nil, err
	}
	payload, _, err := decodeHeader(format, magic, info, p, h, lim)
	return payload, err
}
