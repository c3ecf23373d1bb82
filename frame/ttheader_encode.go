package frame

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/ringwire/ringwire/buffer"
)

// infoSize returns the size of h's header info, padded to 4 bytes, or an
// error when h does not fit a TTHeader (a string past 65,535 bytes, more than
// 65,535 pairs in a block, or header info past 65,536 bytes).
func (h *Header) infoSize() (int, error) {
	n := 2 + len(h.Transforms)
	if len(h.Transforms) > math.MaxUint8 {
		return 0, tooLarge(ttheader, 15, "%d transforms, above 255", len(h.Transforms))
	}
	if len(h.Strings) > math.MaxUint16 || len(h.Ints) > math.MaxUint16 {
		return 0, tooLarge(ttheader, 14, "%d string and %d int headers, above 65,535 a block", len(h.Strings), len(h.Ints))
	}
	longest := 0 // the longest string, checked once at the end
	if h.ACLToken != "" {
		n += 3 + len(h.ACLToken)
		longest = len(h.ACLToken)
	}
	if len(h.Strings) > 0 {
		n += 3
		for _, p := range h.Strings {
			n += 4 + len(p.Key) + len(p.Value)
			longest = max(longest, len(p.Key), len(p.Value))
		}
	}
	if len(h.Ints) > 0 {
		n += 3
		for _, p := range h.Ints {
			n += 4 + len(p.Value)
			longest = max(longest, len(p.Value))
		}
	}
	if longest > math.MaxUint16 {
		return 0, tooLarge(ttheader, 14, "a header string of %d bytes, above 65,535", longest)
	}
	n = (n + 3) &^ 3
	if n > DefaultMaxHeaderInfo {
		return 0, tooLarge(ttheader, 12, "header info of %d bytes above %d", n, DefaultMaxHeaderInfo)
	}
	return n, nil
}

// putHeader writes h's fixed part (length 0, to be filled) and padded
// header info into p, which is exactly ttFixed+info bytes.
func (h *Header) putHeader(p []byte, info int) {
	binary.BigEndian.PutUint16(p[4:], TTHeaderMagic)
	binary.BigEndian.PutUint16(p[6:], h.Flags)
	binary.BigEndian.PutUint32(p[8:], uint32(h.SeqID))
	binary.BigEndian.PutUint16(p[12:], uint16(info/4))
	b := append(p[:ttFixed], byte(h.Protocol), byte(len(h.Transforms)))
	for _, t := range h.Transforms {
		b = append(b, byte(t))
	}
	// Kitex's order: ACL token, string pairs, int pairs.
	if h.ACLToken != "" {
		b = appendString(append(b, infoACL), h.ACLToken)
	}
	if len(h.Strings) > 0 {
		b = append(b, infoStrings)
		b = binary.BigEndian.AppendUint16(b, uint16(len(h.Strings)))
		for _, p := range h.Strings {
			b = appendString(appendString(b, p.Key), p.Value)
		}
	}
	if len(h.Ints) > 0 {
		b = append(b, infoInts)
		b = binary.BigEndian.AppendUint16(b, uint16(len(h.Ints)))
		for _, p := range h.Ints {
			b = binary.BigEndian.AppendUint16(b, uint16(p.Key))
			b = appendString(b, p.Value)
		}
	}
	clear(p[len(b):]) // padding
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// StartTTHeader appends h's TTHeader to dst, its length to be filled by
// FinishTTHeader once the payload has been appended after it. It returns dst
// and the frame's offset in it. Header blocks are written in Kitex's order
// (ACL token, strings, ints), pairs in h's order.
func StartTTHeader(dst []byte, h *Header) ([]byte, int, error) {
	info, err := h.infoSize()
	if err != nil {
		return dst, 0, err
	}
	start := len(dst)
	dst = slices.Grow(dst, ttFixed+info)[:start+ttFixed+info]
	h.putHeader(dst[start:], info)
	return dst, start, nil
}

// FinishTTHeader fills in the length of the frame StartTTHeader began at
// offset start of dst: everything after its header is the payload.
func FinishTTHeader(dst []byte, start int) error {
	if start < 0 || len(dst)-start < ttFixed {
		return malformed(ttheader, 0, "no frame at offset %d of %d bytes", start, len(dst))
	}
	return putLength(ttheader, dst[start:], len(dst)-start-4)
}

// A TTHeaderWriter writes a TTHeader frame onto a buffer.Writer without
// copying the payload: Begin writes the header, the payload is written to the
// same Writer, and End fills in the length. No Flush may come between.
type TTHeaderWriter struct {
	r    reserved
	info int
}

// Begin writes h's header onto w.
func (t *TTHeaderWriter) Begin(w buffer.Writer, h *Header) error {
	info, err := h.infoSize()
	if err != nil {
		return err
	}
	p, err := t.r.begin(w, ttFixed+info)
	if err != nil {
		return err
	}
	h.putHeader(p, info)
	t.info = info
	return nil
}

// End fills in the frame's length: the header and what was written since
// Begin.
func (t *TTHeaderWriter) End() error { return t.r.end(ttheader, ttFixed-4+t.info) }
