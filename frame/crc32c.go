package frame

import (
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"

	"github.com/ringwire/ringwire/internal/unsafex"
)

// Kitex's payload checksum (kitex pkg/remote/codec/validate.go, v0.15.2): the
// string header "crc32c" holds the CRC-32C (Castagnoli) of the TTHeader
// payload, big-endian, as 8 lowercase hex digits. A frame without the header,
// or with it empty, is not checked.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendCRC32C appends payload's checksum, as Kitex writes it, to dst.
func appendCRC32C(dst, payload []byte) []byte {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(payload, castagnoli))
	return hex.AppendEncode(dst, sum[:])
}

// SetCRC32C sets h's crc32c string header (adding it, or replacing the last
// one) to payload's checksum. The value lives in memory h keeps for it, so
// setting it allocates once per Header: valid until h's next SetCRC32C.
func (h *Header) SetCRC32C(payload []byte) {
	if h.crc == nil {
		h.crc = new([8]byte)
	}
	v := unsafex.String(appendCRC32C(h.crc[:0], payload))
	for i := len(h.Strings) - 1; i >= 0; i-- {
		if h.Strings[i].Key == KeyCRC32C {
			h.Strings[i].Value = v
			return
		}
	}
	h.Strings = append(h.Strings, StringPair{KeyCRC32C, v})
}

// CheckCRC32C checks payload against h's crc32c string header, as Kitex's
// server does: no header, or an empty one, passes; a mismatch is an *Error
// of Kind ErrChecksum.
func (h *Header) CheckCRC32C(payload []byte) error {
	want, ok := h.String(KeyCRC32C)
	if !ok || want == "" {
		return nil
	}
	var got [8]byte
	if sum := appendCRC32C(got[:0], payload); string(sum) != want {
		return &Error{Format: ttheader, Kind: ErrChecksum, What: "crc32c header " + quoteShort(want) + ", payload sums to " + string(sum)}
	}
	return nil
}

// quoteShort quotes s, cut to 16 bytes: a header value is the peer's.
func quoteShort(s string) string {
	if len(s) > 16 {
		s = s[:16] + "..."
	}
	return `"` + s + `"`
}
