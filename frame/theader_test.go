package frame_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/frame"
)

// Frames Apache Thrift v0.22.0's THeaderTransport wrote: an Echo call, seqid
// 7, args {1: "hello hello hello hello"}. apacheBinary has protocol binary
// and header trace=abc; apacheCompactZlib protocol compact, transform zlib and
// header k=v.
var (
	apacheBinary      = unhex("000000490fff00000000000700040000010105747261636503616263000080010001000000044563686f000000070b00010000001768656c6c6f2068656c6c6f2068656c6c6f2068656c6c6f00")
	apacheCompactZlib = unhex("000000350fff00000000000700030201010101016b0176000000789c6a526467714dcec89710cf48cdc9c957c0201900010000ffffb6b00b0d")
	apacheArgsBinary  = apacheBinary[30:]
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestDecodeTHeaderApache(t *testing.T) {
	var h frame.Header
	payload, size, err := frame.DecodeTHeader(apacheBinary, &h, nil)
	if err != nil || size != len(apacheBinary) || !bytes.Equal(payload, apacheArgsBinary) {
		t.Fatalf("binary: size %d, payload %x, %v", size, payload, err)
	}
	if v, ok := h.String("trace"); h.SeqID != 7 || h.Protocol != frame.ProtocolBinary || len(h.Transforms) != 0 || !ok || v != "abc" {
		t.Errorf("binary: header %+v", h)
	}
	if !frame.IsTHeader(apacheBinary) || frame.IsTTHeader(apacheBinary) {
		t.Error("IsTHeader or IsTTHeader wrong")
	}
	if n := testing.AllocsPerRun(100, func() { frame.DecodeTHeader(apacheBinary, &h, nil) }); n != 0 {
		t.Errorf("%.0f allocations per decode into a used Header", n)
	}

	payload, _, err = frame.DecodeTHeader(apacheCompactZlib, &h, nil)
	if err != nil || h.Protocol != frame.ProtocolCompact || len(h.Transforms) != 1 || h.Transforms[0] != frame.TransformZlib {
		t.Fatalf("compact: header %+v, %v", h, err)
	}
	args, err := frame.Untransform(nil, payload, h.Transforms, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A compact CALL: protocol id 0x82, version 1 and type 1 (CALL) in 0x21.
	if len(args) < 2 || args[0] != 0x82 || args[1] != 0x21 || !bytes.Contains(args, []byte("hello hello hello hello")) {
		t.Errorf("compact payload %x", args)
	}
	if v, _ := h.String("k"); v != "v" {
		t.Errorf("compact: header k = %q", v)
	}
}

// Our encoders write what Apache writes, byte for byte (one header, so the
// order of Apache's map does not matter).
func TestEncodeTHeaderApache(t *testing.T) {
	h := &frame.Header{SeqID: 7, Strings: []frame.StringPair{{"trace", "abc"}}}
	got, err := frame.AppendTHeader(nil, h, apacheArgsBinary)
	if err != nil || !bytes.Equal(got, apacheBinary) {
		t.Fatalf("AppendTHeader\n%x, %v\nwant\n%x", got, err, apacheBinary)
	}
	dst, start, err := frame.StartTHeader([]byte("prefix"), h)
	if err != nil {
		t.Fatal(err)
	}
	if dst, err = frame.FinishTHeader(append(dst, apacheArgsBinary...), start); err != nil || !bytes.Equal(dst[start:], apacheBinary) {
		t.Fatalf("StartTHeader/FinishTHeader\n%x, %v", dst[start:], err)
	}
	if got := writeTHeader(t, h, apacheArgsBinary); !bytes.Equal(got, apacheBinary) {
		t.Fatalf("THeaderWriter\n%x", got)
	}
}

// writeTHeader writes one frame with a THeaderWriter onto a fresh buffer.
func writeTHeader(t *testing.T, h *frame.Header, payload []byte) []byte {
	t.Helper()
	var b buffer.Linked
	defer b.Close()
	var w frame.THeaderWriter
	pw, err := w.Begin(&b, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	b.Flush()
	out, _ := b.Next(b.Len())
	return bytes.Clone(out)
}

// payloadOf returns n bytes that compress some but not to nothing.
func payloadOf(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*i>>7) ^ byte(i%13)
	}
	return p
}

// Every protocol x transform chain x payload size x writer round-trips.
func TestTHeaderRoundTrip(t *testing.T) {
	chains := [][]frame.TransformID{
		nil,
		{frame.TransformNone},
		{frame.TransformZlib},
		{frame.TransformSnappy},
		{frame.TransformZstd},
		{frame.TransformZlib, frame.TransformZstd},
		{frame.TransformSnappy, frame.TransformZlib, frame.TransformZstd},
	}
	for _, proto := range []frame.ProtocolID{frame.ProtocolBinary, frame.ProtocolCompact} {
		for _, ids := range chains {
			for _, n := range []int{0, 1, 1024, 200 << 10} {
				t.Run(fmt.Sprintf("%d/%v/%d", proto, ids, n), func(t *testing.T) {
					h := &frame.Header{Flags: 3, SeqID: -9, Protocol: proto, Transforms: ids,
						Strings: []frame.StringPair{{"a", "1"}, {"", ""}, {"long", string(payloadOf(300))}}}
					payload := payloadOf(n)
					appended, err := frame.AppendTHeader([]byte("xy"), h, payload)
					if err != nil {
						t.Fatal(err)
					}
					appended = appended[2:]
					dst, start, err := frame.StartTHeader(nil, h)
					if err != nil {
						t.Fatal(err)
					}
					finished, err := frame.FinishTHeader(append(dst, payload...), start)
					if err != nil {
						t.Fatal(err)
					}
					written := writeTHeader(t, h, payload)
					for name, f := range map[string][]byte{"append": appended, "finish": finished, "writer": written} {
						var got frame.Header
						raw, size, err := frame.DecodeTHeader(f, &got, nil)
						if err != nil || size != len(f) {
							t.Fatalf("%s: size %d of %d, %v", name, size, len(f), err)
						}
						if info := 4 * int(binary.BigEndian.Uint16(f[12:])); info != (thInfoSize(h)+3)&^3 || !allZero(f[14+thInfoSize(h):14+info]) {
							t.Errorf("%s: header info of %d bytes, want %d padded with zeros", name, info, thInfoSize(h))
						}
						plain, err := frame.Untransform([]byte("z"), raw, got.Transforms, nil)
						if err != nil || !bytes.Equal(plain[1:], payload) {
							t.Fatalf("%s: payload of %d bytes, want %d, %v", name, len(plain)-1, n, err)
						}
						if !sameHeader(&got, h) {
							t.Errorf("%s: header %+v, want %+v", name, got, *h)
						}
					}
				})
			}
		}
	}
}

func TestDecodeTHeaderTruncated(t *testing.T) {
	for _, whole := range [][]byte{apacheBinary, apacheCompactZlib} {
		var h frame.Header
		for i := range len(whole) {
			_, _, err := frame.DecodeTHeader(whole[:i], &h, nil)
			var need *frame.NeedError
			if !errors.As(err, &need) || need.Need <= i || need.Need > len(whole) {
				t.Fatalf("%d of %d bytes: %v", i, len(whole), err)
			}
		}
	}
}

// thInfoSize counts a THeader's header info before padding, independently
// of the encoder: one-byte varints for ids and counts, as the round trips'
// headers have, and a varint string length.
func thInfoSize(h *frame.Header) int {
	n := 2 + len(h.Transforms)
	if len(h.Strings) > 0 {
		n += 2
		for _, p := range h.Strings {
			n += len(binary.AppendUvarint(nil, uint64(len(p.Key)))) + len(p.Key)
			n += len(binary.AppendUvarint(nil, uint64(len(p.Value)))) + len(p.Value)
		}
	}
	return n
}

func allZero(p []byte) bool { return bytes.Count(p, []byte{0}) == len(p) }

// thFrame builds a THeader frame from its header info (padded here) and
// payload.
func thFrame(info []byte, payload string) []byte {
	for len(info)%4 != 0 {
		info = append(info, 0)
	}
	p := binary.BigEndian.AppendUint32(nil, uint32(10+len(info)+len(payload)))
	p = append(p, 0x0f, 0xff, 0, 0, 0, 0, 0, 1)
	p = binary.BigEndian.AppendUint16(p, uint16(len(info)/4))
	return append(append(p, info...), payload...)
}

func TestDecodeTHeaderBad(t *testing.T) {
	set := func(p []byte, off int, b ...byte) []byte { copy(p[off:], b); return p }
	tests := []struct {
		name   string
		in     []byte
		lim    *frame.Limits
		kind   error
		offset int
	}{
		{"TTHeader magic", set(thFrame([]byte{0, 0}, "x"), 4, 0x10, 0x00), nil, frame.ErrMalformed, 4},
		{"length above MaxFrame", set(thFrame([]byte{0, 0}, "x"), 0, 0x7f), nil, frame.ErrTooLarge, 0},
		{"no header info", set(thFrame([]byte{0, 0}, "x"), 12, 0, 0), nil, frame.ErrMalformed, 12},
		{"header info above MaxHeaderInfo", thFrame(make([]byte, 64), ""), &frame.Limits{MaxHeaderInfo: 60}, frame.ErrTooLarge, 12},
		{"protocol JSON", thFrame([]byte{1, 0}, ""), nil, frame.ErrMalformed, 14},
		{"protocol id a 6-byte varint", thFrame([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0}, ""), nil, frame.ErrMalformed, 14},
		{"negative transform count", thFrame([]byte{0, 0xff, 0xff, 0xff, 0xff, 0x0f}, ""), nil, frame.ErrMalformed, 15},
		{"transforms past the info", thFrame([]byte{0, 9}, ""), nil, frame.ErrMalformed, 15},
		{"HMAC transform", thFrame([]byte{0, 1, 2}, ""), nil, frame.ErrUnsupported, 16},
		{"QuickLZ transform", thFrame([]byte{0, 2, 1, 4}, ""), nil, frame.ErrUnsupported, 17},
		{"transform 300", thFrame([]byte{0, 1, 0xac, 0x02}, ""), nil, frame.ErrUnsupported, 16},
		{"pair count past the info", thFrame([]byte{0, 0, 1, 5, 0}, ""), nil, frame.ErrMalformed, 17},
		{"string length past the info", thFrame([]byte{0, 0, 1, 1, 9, 'k', 0}, ""), nil, frame.ErrMalformed, 19},
		{"info id an overlong varint", thFrame([]byte{0, 0, 0x81, 0x80, 0x80, 0x80, 0x80, 0, 1, 1, 'k', 1, 'v'}, ""), nil, frame.ErrMalformed, 16},
		{"negative string length", thFrame([]byte{0, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0}, ""), nil, frame.ErrMalformed, 18},
		{"entries above MaxInfoEntries", thFrame([]byte{0, 0, 1, 1, 0, 0, 1, 1, 0, 0}, ""), &frame.Limits{MaxInfoEntries: 1}, frame.ErrTooLarge, 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h frame.Header
			_, _, err := frame.DecodeTHeader(tt.in, &h, tt.lim)
			var fe *frame.Error
			if !errors.As(err, &fe) || !errors.Is(err, tt.kind) || fe.Offset != tt.offset || fe.Format != "THeader" {
				t.Fatalf("err %v, want %v at offset %d", err, tt.kind, tt.offset)
			}
		})
	}
}

// An unknown info id ends the info, as HeaderFormat.md says: what follows is
// skipped, the pairs before it kept.
func TestDecodeTHeaderUnknownInfo(t *testing.T) {
	in := thFrame([]byte{0, 0, 1, 1, 1, 'k', 1, 'v', 0x07, 0xff, 0xff, 0xff}, "pl")
	var h frame.Header
	payload, _, err := frame.DecodeTHeader(in, &h, nil)
	if v, _ := h.String("k"); err != nil || string(payload) != "pl" || v != "v" || len(h.Strings) != 1 {
		t.Fatalf("payload %q, headers %v, %v", payload, h.Strings, err)
	}
	// Duplicates: the last wins, as in Apache's map.
	in = thFrame([]byte{0, 0, 1, 2, 1, 'k', 1, '1', 1, 'k', 1, '2'}, "")
	if _, _, err := frame.DecodeTHeader(in, &h, nil); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.String("k"); v != "2" {
		t.Errorf("duplicate key: got %q, want the last", v)
	}
}

func TestEncodeTHeaderRefused(t *testing.T) {
	for _, tt := range []struct {
		h    *frame.Header
		kind error
	}{
		{&frame.Header{Ints: []frame.IntPair{{1, "x"}}}, frame.ErrMalformed},
		{&frame.Header{ACLToken: "t"}, frame.ErrMalformed},
		{&frame.Header{Protocol: frame.ProtocolProtobuf}, frame.ErrMalformed},
		{&frame.Header{Transforms: []frame.TransformID{frame.TransformHMAC}}, frame.ErrUnsupported},
		{&frame.Header{Strings: []frame.StringPair{{"k", string(make([]byte, 70000))}}}, frame.ErrTooLarge},
	} {
		if _, err := frame.AppendTHeader(nil, tt.h, nil); !errors.Is(err, tt.kind) {
			t.Errorf("%+v: got %v, want %v", tt.h, err, tt.kind)
		}
		if _, _, err := frame.StartTHeader(nil, tt.h); !errors.Is(err, tt.kind) {
			t.Errorf("StartTHeader %+v: got %v, want %v", tt.h, err, tt.kind)
		}
	}
}

func TestNextTHeader(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	b.Append(apacheBinary[:20], nil)
	b.Flush()
	var h frame.Header
	if _, err := frame.NextTHeader(&b, &h, nil); !errors.Is(err, buffer.ErrShort) || b.Len() != 20 {
		t.Fatalf("part of a frame: %v, %d bytes left", err, b.Len())
	}
	b.Append(apacheBinary[20:], nil)
	b.Append(apacheCompactZlib, nil)
	b.Flush()
	for _, want := range []frame.ProtocolID{frame.ProtocolBinary, frame.ProtocolCompact} {
		if _, err := frame.NextTHeader(&b, &h, nil); err != nil || h.Protocol != want || h.SeqID != 7 {
			t.Fatalf("protocol %d, seqid %d, %v", h.Protocol, h.SeqID, err)
		}
	}
	if b.Len() != 0 {
		t.Errorf("%d bytes left", b.Len())
	}
}

// FuzzDecodeTHeader: no input panics, loops or yields an untyped error; what
// decodes lies within the input and re-encodes to the same header and
// payload; a transformed payload undoes within the limit or fails typed.
func FuzzDecodeTHeader(f *testing.F) {
	f.Add(apacheBinary)
	f.Add(apacheCompactZlib)
	f.Add(thFrame([]byte{0, 0, 1, 1, 1, 'k', 1, 'v', 0x07}, "pl"))
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := &frame.Limits{MaxInfoEntries: 64, MaxDecompressed: 1 << 16}
		var h frame.Header
		payload, size, err := frame.DecodeTHeader(in, &h, lim)
		if err != nil {
			requireTyped(t, err)
			return
		}
		if size > len(in) || len(payload) > size || len(h.Strings) > 64 {
			t.Fatalf("size %d of %d bytes, payload %d, %d entries", size, len(in), len(payload), len(h.Strings))
		}
		if plain, err := frame.Untransform(nil, payload, h.Transforms, lim); err != nil {
			requireTyped(t, err)
		} else if len(plain) > 1<<16 && len(h.Transforms) > 0 {
			t.Fatalf("%d bytes decompressed past the limit", len(plain))
		}
		// Re-encode the payload as it is, transforms dropped from the header.
		raw := h
		raw.Transforms = nil
		again, err := frame.AppendTHeader(nil, &raw, payload)
		if err != nil {
			t.Fatalf("a decoded header does not encode: %v", err)
		}
		var h2 frame.Header
		p2, _, err := frame.DecodeTHeader(again, &h2, lim)
		if err != nil || !bytes.Equal(p2, payload) || !sameHeader(&h2, &raw) {
			t.Fatalf("re-encoded: %v; header %+v, want %+v", err, h2, raw)
		}
	})
}

// An info id cut by the info's end ends the info, as Apache reads it.
func TestDecodeTHeaderCutInfoID(t *testing.T) {
	in := thFrame([]byte{0, 0, 1, 1, 1, 'k', 1, 'v', 0x81, 0x80, 0x80, 0x80}, "pl")
	var h frame.Header
	if payload, _, err := frame.DecodeTHeader(in, &h, nil); err != nil || string(payload) != "pl" || len(h.Strings) != 1 {
		t.Fatalf("payload %q, headers %v, %v", payload, h.Strings, err)
	}
}
