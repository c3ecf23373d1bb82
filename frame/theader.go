package frame

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// THeader is Apache Thrift's envelope (HeaderFormat.md; PROTOCOLS.md, "Apache
// THeader versus TTHeader"). Its fixed part is TTHeader's with magic 0x0FFF;
// its header info is varints:
//
//	varint protocol id | varint transform count | varint transform ids
//	| info blocks: varint 0x01, varint pair count, pairs of varint-length strings
//
// An info block of any other id, padding's 0x00 among them, ends the info:
// the format says later ids are newer and so unknown too. So does an id that
// cannot be read, as in Apache's reader. Transforms apply to
// the payload, in the listed order on write and in reverse on read.

// THeaderMagic is the u16 at offset 4 of a THeader frame.
const THeaderMagic = 0x0FFF

const theader = "THeader"

// IsTHeader reports whether p, at least 8 bytes, starts a THeader frame.
func IsTHeader(p []byte) bool {
	return len(p) >= 8 && binary.BigEndian.Uint16(p[4:]) == THeaderMagic
}

// DecodeTHeader parses the THeader frame at the start of p into h and returns
// its payload (a sub-slice of p, still transformed when h.Transforms is not
// empty: Untransform undoes them) and the frame's size. The strings in h
// point into p. A p shorter than the frame gives a *NeedError. A protocol id
// other than binary or compact, and a transform this package cannot undo,
// are errors here, before the payload is touched.
func DecodeTHeader(p []byte, h *Header, lim *Limits) (payload []byte, size int, err error) {
	return decodeHeader(theader, THeaderMagic, (*Header).decodeTHeaderInfo, p, h, lim)
}

// NextTHeader consumes one THeader frame from r, as NextTTHeader does a
// TTHeader frame, and returns its payload as DecodeTHeader does.
func NextTHeader(r buffer.Reader, h *Header, lim *Limits) ([]byte, error) {
	return nextHeader(theader, THeaderMagic, (*Header).decodeTHeaderInfo, r, h, lim)
}

func (h *Header) decodeTHeaderInfo(p []byte, lim *Limits) error {
	d := infoDecoder{format: theader, p: p, off: ttFixed}
	var err error
	if h.Protocol, h.Transforms, err = decodeTHeaderPrefix(&d, h.Transforms[:0]); err != nil {
		return err
	}
	entries, max := 0, lim.maxInfoEntries()
	for d.off < len(p) && d.err == nil {
		// An id that is not 0x01 ends the info, and so does one cut by the
		// info's end, as Apache's reader sees it. One that is overlong or
		// negative is an error: Apache would read some of those as 0x01,
		// and two readers must not see different headers in one frame.
		if cutVarint(p[d.off:]) {
			break
		}
		if id := d.length("info id"); d.err != nil || id != infoStrings {
			break
		}
		at := d.off
		n := d.length("pair count")
		switch {
		case d.err != nil:
		case entries+n > max:
			d.err = tooLarge(theader, at, "%d header entries above MaxInfoEntries %d", entries+n, max)
		case 2*n > len(p)-d.off:
			d.err = malformed(theader, at, "%d pairs cannot fit the %d bytes left", n, len(p)-d.off)
		}
		entries += n
		for i := 0; i < n && d.err == nil; i++ {
			k := d.vstr()
			h.Strings = append(h.Strings, StringPair{k, d.vstr()})
		}
	}
	return d.err
}

// cutVarint reports whether p is the start of a varint that p's end cuts:
// every byte has the continuation bit.
func cutVarint(p []byte) bool {
	for _, b := range p {
		if b < 0x80 {
			return false
		}
	}
	return true
}

// decodeTHeaderPrefix reads the protocol id and the transforms, appending
// them to ids.
func decodeTHeaderPrefix(d *infoDecoder, ids []TransformID) (ProtocolID, []TransformID, error) {
	p := d.p
	at := d.off
	proto := d.length("protocol id")
	switch {
	case d.err != nil:
		return 0, ids, d.err
	case proto != int(ProtocolBinary) && proto != int(ProtocolCompact):
		return 0, ids, malformed(theader, at, "protocol id %d: THeader carries binary (0) or compact (2)", proto)
	}
	at = d.off
	n := d.length("transform count")
	if d.err == nil && n > len(p)-d.off {
		return 0, ids, malformed(theader, at, "%d transform ids past the header info's end (%d left)", n, len(p)-d.off)
	}
	for range n {
		at := d.off
		id := d.length("transform id")
		if d.err != nil {
			return 0, ids, d.err
		}
		if id > math.MaxUint8 || !TransformID(id).supported() {
			return 0, ids, unsupportedTransform(theader, at, id)
		}
		ids = append(ids, TransformID(id))
	}
	return ProtocolID(proto), ids, d.err
}

// length reads a varint32 that must not be negative: a count, a length or an
// id. Apache's writer makes them with the compact protocol's varint: up to 5
// bytes, the value an int32.
func (d *infoDecoder) length(what string) int {
	at := d.off
	var v uint64
	for i := 0; ; i++ {
		if !d.need(1, what) {
			return 0
		}
		b := d.p[d.off]
		d.off++
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			break
		}
		if i == 4 {
			d.err = malformed(d.format, at, "%s: a varint32 longer than 5 bytes", what)
			return 0
		}
	}
	if n := int32(v); n >= 0 {
		return int(n)
	}
	d.err = malformed(d.format, at, "%s %d is negative", what, int32(v))
	return 0
}

// vstr reads a varint length and that many bytes, as a string sharing p.
func (d *infoDecoder) vstr() string {
	n := d.length("string length")
	if !d.need(n, "a string") {
		return ""
	}
	d.off += n
	return unsafex.String(d.p[d.off-n : d.off])
}

// theaderInfoSize returns the size of h's THeader header info, padded to 4
// bytes, or an error when h does not fit a THeader.
func (h *Header) theaderInfoSize() (int, error) {
	switch {
	case len(h.Ints) > 0 || h.ACLToken != "":
		return 0, malformed(theader, 14, "THeader has no int headers and no ACL token")
	case h.Protocol != ProtocolBinary && h.Protocol != ProtocolCompact:
		return 0, malformed(theader, 14, "protocol id %d: THeader carries binary (0) or compact (2)", h.Protocol)
	}
	n := uvarintLen(uint64(h.Protocol)) + uvarintLen(uint64(len(h.Transforms)))
	for _, t := range h.Transforms {
		if !t.supported() {
			return 0, unsupportedTransform(theader, 14, int(t))
		}
		n += uvarintLen(uint64(t))
	}
	if len(h.Strings) > 0 {
		n += 1 + uvarintLen(uint64(len(h.Strings)))
		for _, p := range h.Strings {
			n += uvarintLen(uint64(len(p.Key))) + len(p.Key) + uvarintLen(uint64(len(p.Value))) + len(p.Value)
		}
	}
	n = (n + 3) &^ 3
	if n > DefaultMaxHeaderInfo {
		return 0, tooLarge(theader, 12, "header info of %d bytes above %d", n, DefaultMaxHeaderInfo)
	}
	return n, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// putTHeader writes h's fixed part (length 0, to be filled) and padded
// header info into p, which is exactly ttFixed+info bytes.
func (h *Header) putTHeader(p []byte, info int) {
	binary.BigEndian.PutUint16(p[4:], THeaderMagic)
	binary.BigEndian.PutUint16(p[6:], h.Flags)
	binary.BigEndian.PutUint32(p[8:], uint32(h.SeqID))
	binary.BigEndian.PutUint16(p[12:], uint16(info/4))
	b := binary.AppendUvarint(p[:ttFixed], uint64(h.Protocol))
	b = binary.AppendUvarint(b, uint64(len(h.Transforms)))
	for _, t := range h.Transforms {
		b = binary.AppendUvarint(b, uint64(t))
	}
	if len(h.Strings) > 0 {
		b = append(b, infoStrings)
		b = binary.AppendUvarint(b, uint64(len(h.Strings)))
		for _, p := range h.Strings {
			b = append(binary.AppendUvarint(b, uint64(len(p.Key))), p.Key...)
			b = append(binary.AppendUvarint(b, uint64(len(p.Value))), p.Value...)
		}
	}
	clear(p[len(b):]) // padding
}

// AppendTHeader appends a THeader frame of h and payload to dst, applying
// h.Transforms to the payload on the way. Headers are written in h's order.
func AppendTHeader(dst []byte, h *Header, payload []byte) ([]byte, error) {
	info, err := h.theaderInfoSize()
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst = slices.Grow(dst, ttFixed+info+len(payload))[:start+ttFixed+info]
	h.putTHeader(dst[start:], info)
	if dst, err = Transform(dst, payload, h.Transforms); err != nil {
		return dst[:start], err
	}
	return dst, putLength(theader, dst[start:], len(dst)-start-4)
}

// StartTHeader appends h's THeader to dst, its length to be filled by
// FinishTHeader once the payload has been appended after it. It returns dst
// and the frame's offset in it.
func StartTHeader(dst []byte, h *Header) ([]byte, int, error) {
	info, err := h.theaderInfoSize()
	if err != nil {
		return dst, 0, err
	}
	start := len(dst)
	dst = slices.Grow(dst, ttFixed+info)[:start+ttFixed+info]
	h.putTHeader(dst[start:], info)
	return dst, start, nil
}

// FinishTHeader ends the frame StartTHeader began at offset start of dst:
// everything after its header is the payload. Use the dst it returns: when
// the header lists transforms, it applies them to the payload (through a
// pooled scratch buffer, one more copy of the transformed bytes) and the
// frame's length changes; without transforms, dst only gets its length
// field filled in.
func FinishTHeader(dst []byte, start int) ([]byte, error) {
	if start < 0 || len(dst)-start < ttFixed {
		return dst, malformed(theader, 0, "no frame at offset %d of %d bytes", start, len(dst))
	}
	f := dst[start:]
	info := 4 * int(binary.BigEndian.Uint16(f[12:]))
	if len(f) < ttFixed+info || binary.BigEndian.Uint16(f[4:]) != THeaderMagic {
		return dst, malformed(theader, 0, "no frame at offset %d of %d bytes", start, len(dst))
	}
	// The transforms, read back from the header StartTHeader wrote, with
	// the checks a decoder makes: dst is the caller's to have changed.
	var some [MaxTransforms]TransformID
	_, ids, err := decodeTHeaderPrefix(&infoDecoder{format: theader, p: f[:ttFixed+info], off: ttFixed}, some[:0])
	if err != nil {
		return dst, err
	}
	if len(ids) > 0 {
		body := start + ttFixed + info
		s := getScratch()
		s.b, err = Transform(s.b[:0], dst[body:], ids)
		if err != nil {
			putScratch(s)
			return dst, err
		}
		dst = append(dst[:body], s.b...)
		putScratch(s)
	}
	return dst, putLength(theader, dst[start:], len(dst)-start-4)
}

// A THeaderWriter writes a THeader frame onto a buffer.Writer. Begin writes
// the header and returns the Writer the payload goes to: w itself when the
// header lists no transforms (the payload is not copied), else a staging
// buffer the THeaderWriter keeps, whose content End transforms onto w. End
// fills in the length. No Flush of w may come between.
type THeaderWriter struct {
	r          reserved
	info       int
	transforms []TransformID
	stage      buffer.Linked
}

// Begin writes h's header onto w and returns where the payload goes.
func (t *THeaderWriter) Begin(w buffer.Writer, h *Header) (buffer.Writer, error) {
	info, err := h.theaderInfoSize()
	if err != nil {
		return nil, err
	}
	p, err := t.r.begin(w, ttFixed+info)
	if err != nil {
		return nil, err
	}
	h.putTHeader(p, info)
	t.info = info
	t.transforms = append(t.transforms[:0], h.Transforms...)
	if len(t.transforms) == 0 {
		return w, nil
	}
	return &t.stage, nil
}

// End transforms the staged payload onto the frame's Writer, if the header
// lists transforms, and fills in the frame's length.
func (t *THeaderWriter) End() error {
	if len(t.transforms) > 0 && t.r.w != nil {
		err := ErrHeaderFlushed
		// Nothing goes to w between Begin and End but the header.
		if t.r.w.Unflushed() == t.r.start {
			err = t.flushStage()
		}
		if err != nil {
			t.stage.Reset()
			t.r.w, t.r.hdr = nil, nil
			return err
		}
	}
	return t.r.end(theader, ttFixed-4+t.info)
}

func (t *THeaderWriter) flushStage() error {
	defer t.stage.Reset()
	if err := t.stage.Flush(); err != nil {
		return err
	}
	payload, err := t.stage.Next(t.stage.Len())
	if err != nil {
		return err
	}
	s := getScratch()
	defer putScratch(s)
	if s.b, err = Transform(s.b[:0], payload, t.transforms); err != nil {
		return err
	}
	_, err = t.r.w.Write(s.b)
	return err
}
