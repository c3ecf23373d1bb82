package frame_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/frame"
)

// kitexReply is the 164-byte reply a real Kitex v0.15.2 server sent
// (PROTOCOLS.md): seqid 77, string header server-said=hi, int header 22
// (MsgType) = "2", padded to 32 bytes of header info, then a strict binary
// REPLY for Echo. The payload's bytes after its message header are not in the
// capture; these stand in for them.
func kitexReply() []byte {
	p := []byte{0x00, 0x00, 0x00, 0xa0, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4d, 0x00, 0x08}
	p = append(p, 0x00, 0x00)
	p = append(p, 0x01, 0x00, 0x01, 0x00, 0x0b)
	p = append(p, "server-said"...)
	p = append(p, 0x00, 0x02, 'h', 'i')
	p = append(p, 0x10, 0x00, 0x01, 0x00, 0x16, 0x00, 0x01, '2')
	p = append(p, 0x00, 0x00)
	p = append(p, 0x80, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 'E', 'c', 'h', 'o', 0x00, 0x00, 0x00, 0x4d)
	for len(p) < 164 {
		p = append(p, byte(len(p)))
	}
	return p
}

func TestDecodeTTHeaderKitexReply(t *testing.T) {
	in := kitexReply()
	var h frame.Header
	payload, size, err := frame.DecodeTTHeader(in, &h, nil)
	if err != nil {
		t.Fatal(err)
	}
	if size != 164 || len(payload) != 164-14-32 || !bytes.Equal(payload, in[46:]) {
		t.Fatalf("size %d, payload %d bytes at the wrong place", size, len(payload))
	}
	if h.SeqID != 77 || h.Flags != 0 || h.Protocol != frame.ProtocolBinary || len(h.Transforms) != 0 || h.ACLToken != "" {
		t.Errorf("header %+v", h)
	}
	if v, ok := h.String("server-said"); !ok || v != "hi" || len(h.Strings) != 1 {
		t.Errorf("string headers %v", h.Strings)
	}
	if v, ok := h.Int(frame.MsgType); !ok || v != "2" || len(h.Ints) != 1 {
		t.Errorf("int headers %v", h.Ints)
	}
	if !frame.IsTTHeader(in) {
		t.Error("IsTTHeader says no")
	}
	// Decoding again into the same Header reuses its memory.
	if n := testing.AllocsPerRun(100, func() { frame.DecodeTTHeader(in, &h, nil) }); n != 0 {
		t.Errorf("%.0f allocations per decode into a used Header", n)
	}
	// A clone outlives the input.
	c := h.Clone()
	clear(in)
	if v, _ := c.String("server-said"); v != "hi" || c.SeqID != 77 {
		t.Errorf("clone changed with its input: %+v", c)
	}
}

// Every prefix of a frame asks for more, never beyond the frame.
func TestDecodeTTHeaderTruncated(t *testing.T) {
	whole := kitexReply()
	var h frame.Header
	for i := range len(whole) {
		_, _, err := frame.DecodeTTHeader(whole[:i], &h, nil)
		var need *frame.NeedError
		if !errors.As(err, &need) || need.Need <= i || need.Need > len(whole) {
			t.Fatalf("%d of %d bytes: %v", i, len(whole), err)
		}
	}
}

func TestDecodeTTHeaderBad(t *testing.T) {
	// ttFrame builds a frame from its header info (padded here) and payload.
	ttFrame := func(info []byte, payload string) []byte {
		for len(info)%4 != 0 {
			info = append(info, 0)
		}
		p := binary.BigEndian.AppendUint32(nil, uint32(10+len(info)+len(payload)))
		p = append(p, 0x10, 0x00, 0, 0, 0, 0, 0, 1)
		p = binary.BigEndian.AppendUint16(p, uint16(len(info)/4))
		return append(append(p, info...), payload...)
	}
	set := func(p []byte, off int, b ...byte) []byte { copy(p[off:], b); return p }
	tests := []struct {
		name   string
		in     []byte
		lim    *frame.Limits
		kind   error
		offset int
	}{
		{"wrong magic", set(ttFrame([]byte{0, 0}, "x"), 4, 0x0f, 0xff), nil, frame.ErrMalformed, 4},
		{"length above MaxFrame", set(ttFrame([]byte{0, 0}, "x"), 0, 0x7f), nil, frame.ErrTooLarge, 0},
		{"no header info", set(ttFrame([]byte{0, 0}, "x"), 12, 0, 0), nil, frame.ErrMalformed, 12},
		{"header info past the frame", set(ttFrame([]byte{0, 0}, ""), 12, 0, 2), nil, frame.ErrMalformed, 12},
		{"header info above MaxHeaderInfo", ttFrame(make([]byte, 64), ""), &frame.Limits{MaxHeaderInfo: 60}, frame.ErrTooLarge, 12},
		{"transforms past the info", ttFrame([]byte{0, 9}, ""), nil, frame.ErrMalformed, 15},
		{"unknown info block", ttFrame([]byte{0, 0, 0x42}, ""), nil, frame.ErrMalformed, 16},
		{"string count past the info", ttFrame([]byte{0, 0, 0x01, 0x01, 0x00}, ""), nil, frame.ErrMalformed, 17},
		{"string length past the info", ttFrame([]byte{0, 0, 0x01, 0, 1, 0, 200, 'k', 'x', 'y'}, ""), nil, frame.ErrMalformed, 21},
		{"int value past the info", ttFrame([]byte{0, 0, 0x10, 0, 1, 0, 1, 0, 9, 'v'}, ""), nil, frame.ErrMalformed, 23},
		{"ACL token past the info", ttFrame([]byte{0, 0, 0x11, 0, 9}, ""), nil, frame.ErrMalformed, 19},
		{"entries above MaxInfoEntries", ttFrame([]byte{0, 0, 0x10, 0, 2, 0, 1, 0, 0, 0, 2, 0, 0}, ""), &frame.Limits{MaxInfoEntries: 1}, frame.ErrTooLarge, 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h frame.Header
			_, _, err := frame.DecodeTTHeader(tt.in, &h, tt.lim)
			var fe *frame.Error
			if !errors.As(err, &fe) || !errors.Is(err, tt.kind) || fe.Offset != tt.offset || fe.Format != "TTHeader" {
				t.Fatalf("err %v, want %v at offset %d", err, tt.kind, tt.offset)
			}
		})
	}
}

// FuzzDecodeTTHeader: no input panics, loops or yields an untyped error;
// what decodes lies within the input, and encodes to a frame that decodes to
// the same header and payload.
func FuzzDecodeTTHeader(f *testing.F) {
	f.Add(kitexReply())
	f.Add(kitexReply()[:40])
	f.Add([]byte{0, 0, 0, 12, 0x10, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		var h frame.Header
		payload, size, err := frame.DecodeTTHeader(in, &h, &frame.Limits{MaxInfoEntries: 64})
		if err != nil {
			requireTyped(t, err)
			return
		}
		if size > len(in) || len(payload) > size || len(h.Strings)+len(h.Ints) > 64 {
			t.Fatalf("size %d of %d bytes, payload %d, %d entries", size, len(in), len(payload), len(h.Strings)+len(h.Ints))
		}
		dst, start, err := frame.StartTTHeader(nil, &h)
		if err != nil {
			t.Fatalf("a decoded header does not encode: %v", err) // merged blocks, no padding: never larger
		}
		dst = append(dst, payload...)
		if err := frame.FinishTTHeader(dst, start); err != nil {
			t.Fatal(err)
		}
		var again frame.Header
		p2, _, err := frame.DecodeTTHeader(dst, &again, &frame.Limits{MaxInfoEntries: 64})
		if err != nil || !bytes.Equal(p2, payload) || !sameHeader(&again, &h) {
			t.Fatalf("re-encoded: %v; header %+v, want %+v", err, again, h)
		}
	})
}

func TestEncodeTTHeaderKitexReply(t *testing.T) {
	want := kitexReply()
	h := &frame.Header{SeqID: 77, Strings: []frame.StringPair{{"server-said", "hi"}}, Ints: []frame.IntPair{{frame.MsgType, "2"}}}
	dst, start, err := frame.StartTTHeader(nil, h)
	if err != nil {
		t.Fatal(err)
	}
	dst = append(dst, want[46:]...)
	if err := frame.FinishTTHeader(dst, start); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dst, want) {
		t.Fatalf("encoded\n%x\nwant\n%x", dst, want)
	}
}

func TestTTHeaderRoundTrip(t *testing.T) {
	headers := []*frame.Header{
		{},
		{Flags: 1, SeqID: -5, Protocol: frame.ProtocolCompact, Transforms: []frame.TransformID{1, 3}},
		{SeqID: 1 << 30, ACLToken: "token", Strings: []frame.StringPair{{"isn", "Echo"}, {"", ""}, {"RPC_TRANSIT_k", "v"}},
			Ints: []frame.IntPair{{1, "framed"}, {3, "client"}, {22, "1"}, {12, "1000"}}},
		{Strings: []frame.StringPair{{"big", string(bytes.Repeat([]byte{'x'}, 65000))}}},
	}
	for i, h := range headers {
		for _, payload := range []string{"", "p", "a longer payload"} {
			dst, start, err := frame.StartTTHeader([]byte("prefix"), h)
			if err != nil {
				t.Fatal(err)
			}
			dst = append(dst, payload...)
			if err := frame.FinishTTHeader(dst, start); err != nil {
				t.Fatal(err)
			}
			var got frame.Header
			p, size, err := frame.DecodeTTHeader(dst[start:], &got, nil)
			if err != nil || string(p) != payload || size != len(dst)-start {
				t.Fatalf("header %d: payload %q size %d, %v", i, p, size, err)
			}
			if info := size - 14 - len(payload); info != (ttInfoSize(h)+3)&^3 || !allZero(dst[start+14+ttInfoSize(h):start+14+info]) {
				t.Errorf("header %d: header info of %d bytes, want %d padded with zeros", i, info, ttInfoSize(h))
			}
			if !sameHeader(&got, h) {
				t.Errorf("header %d: got %+v, want %+v", i, got, *h)
			}
			// The buffer writer writes the same bytes.
			var b buffer.Linked
			var w frame.TTHeaderWriter
			if err := w.Begin(&b, h); err != nil {
				t.Fatal(err)
			}
			b.Write([]byte(payload))
			if err := w.End(); err != nil {
				t.Fatal(err)
			}
			b.Flush()
			bb, _ := b.Next(b.Len())
			if !bytes.Equal(bb, dst[start:]) {
				t.Errorf("header %d: TTHeaderWriter wrote %x, want %x", i, bb, dst[start:])
			}
			b.Close()
		}
	}
}

// ttInfoSize counts a TTHeader's header info before padding, independently
// of the encoder.
func ttInfoSize(h *frame.Header) int {
	n := 2 + len(h.Transforms)
	if h.ACLToken != "" {
		n += 3 + len(h.ACLToken)
	}
	if len(h.Strings) > 0 {
		n += 3
		for _, p := range h.Strings {
			n += 4 + len(p.Key) + len(p.Value)
		}
	}
	if len(h.Ints) > 0 {
		n += 3
		for _, p := range h.Ints {
			n += 4 + len(p.Value)
		}
	}
	return n
}

func sameHeader(a, b *frame.Header) bool {
	return a.Flags == b.Flags && a.SeqID == b.SeqID && a.Protocol == b.Protocol && a.ACLToken == b.ACLToken &&
		slices.Equal(a.Transforms, b.Transforms) && slices.Equal(a.Strings, b.Strings) && slices.Equal(a.Ints, b.Ints)
}

func TestEncodeTTHeaderTooLarge(t *testing.T) {
	long := string(make([]byte, 65536))
	for _, h := range []*frame.Header{
		{Strings: []frame.StringPair{{"k", long}}},
		{ACLToken: long},
		{Transforms: make([]frame.TransformID, 256)},
		{Strings: []frame.StringPair{{"a", long[:40000]}, {"b", long[:40000]}}},
	} {
		if _, _, err := frame.StartTTHeader(nil, h); !errors.Is(err, frame.ErrTooLarge) {
			t.Errorf("got %v, want ErrTooLarge", err)
		}
	}
}

// Encoding a header allocates nothing, into a slice or a buffer.
func TestEncodeTTHeaderAllocations(t *testing.T) {
	h := &frame.Header{SeqID: 1, Strings: []frame.StringPair{{"isn", "Echo"}}, Ints: []frame.IntPair{{22, "1"}}}
	dst := make([]byte, 0, 256)
	var b buffer.Linked
	defer b.Close()
	var w frame.TTHeaderWriter
	n := testing.AllocsPerRun(100, func() {
		d, start, _ := frame.StartTTHeader(dst[:0], h)
		d = append(d, "payload"...)
		frame.FinishTTHeader(d, start)
		w.Begin(&b, h)
		b.Write([]byte("payload"))
		w.End()
		b.Flush()
		b.Skip(b.Len())
		b.Release()
	})
	if n != 0 {
		t.Errorf("%.1f allocations per encode, want 0", n)
	}
}

func TestNextTTHeader(t *testing.T) {
	in := kitexReply()
	var b buffer.Linked
	defer b.Close()
	// Two nodes, the frame across them, the second not there yet.
	b.Append(in[:30], nil)
	b.Flush()
	var h frame.Header
	if _, err := frame.NextTTHeader(&b, &h, nil); !errors.Is(err, buffer.ErrShort) || b.Len() != 30 {
		t.Fatalf("part of a frame: %v, %d bytes left", err, b.Len())
	}
	b.Append(in[30:], nil)
	b.Append(in[:20], nil) // the start of another
	b.Flush()
	payload, err := frame.NextTTHeader(&b, &h, nil)
	if err != nil || !bytes.Equal(payload, in[46:]) || h.SeqID != 77 {
		t.Fatalf("payload %x, seqid %d, %v", payload, h.SeqID, err)
	}
	if v, _ := h.String("server-said"); v != "hi" || b.Len() != 20 {
		t.Fatalf("string header %q, %d bytes left", v, b.Len())
	}
	bad := binary.BigEndian.AppendUint32(nil, 100)
	bad = append(bad, 0x0f, 0xff, 0, 0, 0, 0, 0, 1, 0, 1)
	var c buffer.Linked
	defer c.Close()
	c.Write(bad)
	c.Flush()
	if _, err := frame.NextTTHeader(&c, &h, nil); !errors.Is(err, frame.ErrMalformed) {
		t.Fatalf("THeader magic: %v", err)
	}
}
