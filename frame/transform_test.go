package frame_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/ringwire/ringwire/frame"
)

var compressors = []frame.TransformID{frame.TransformZlib, frame.TransformSnappy, frame.TransformZstd}

func TestTransformRoundTrip(t *testing.T) {
	for _, id := range append(compressors, frame.TransformNone) {
		for _, n := range []int{0, 1, 100, 64 << 10, 1 << 20} {
			in := payloadOf(n)
			packed, err := frame.Transform([]byte("head"), in, []frame.TransformID{id})
			if err != nil || string(packed[:4]) != "head" {
				t.Fatalf("%v %d: %v", id, n, err)
			}
			out, err := frame.Untransform([]byte("head"), packed[4:], []frame.TransformID{id}, nil)
			if err != nil || string(out[:4]) != "head" || !bytes.Equal(out[4:], in) {
				t.Fatalf("%v %d: %d bytes back, %v", id, n, len(out)-4, err)
			}
		}
	}
}

// A bomb: a few kilobytes that inflate to 64 MiB. Each decompressor stops at
// the limit, having allocated about the limit, not the bomb's size.
func TestUntransformBomb(t *testing.T) {
	const limit = 1 << 20
	zeros := make([]byte, 64<<20)
	for _, id := range compressors {
		t.Run(id.String(), func(t *testing.T) {
			bomb, err := frame.Transform(nil, zeros, []frame.TransformID{id})
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = frame.Untransform(nil, bomb, []frame.TransformID{id}, &frame.Limits{MaxDecompressed: limit})
			runtime.ReadMemStats(&after)
			var fe *frame.Error
			if !errors.As(err, &fe) || !errors.Is(err, frame.ErrTooLarge) {
				t.Fatalf("%d-byte bomb: %v, want ErrTooLarge", len(bomb), err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 4*limit {
				t.Errorf("%d-byte bomb allocated %d bytes before failing; the limit is %d", len(bomb), grew, limit)
			}
			// Within the limit it decodes.
			small, _ := frame.Transform(nil, zeros[:limit], []frame.TransformID{id})
			if out, err := frame.Untransform(nil, small, []frame.TransformID{id}, &frame.Limits{MaxDecompressed: limit}); err != nil || len(out) != limit {
				t.Errorf("at the limit: %d bytes, %v", len(out), err)
			}
		})
	}
}

func TestUntransformBad(t *testing.T) {
	good := payloadOf(4096)
	for _, id := range compressors {
		packed, _ := frame.Transform(nil, good, []frame.TransformID{id})
		cases := map[string][]byte{
			"empty":     {},
			"truncated": packed[:len(packed)/2],
			"garbage":   bytes.Repeat([]byte{0xA5}, 64),
		}
		flipped := bytes.Clone(packed)
		flipped[len(flipped)-1] ^= 0xff // the checksum (zlib, zstd) or the last literal (snappy)
		if id != frame.TransformSnappy {
			cases["checksum"] = flipped
		}
		for name, in := range cases {
			out, err := frame.Untransform(nil, in, []frame.TransformID{id}, nil)
			if id == frame.TransformZstd && name == "empty" && err == nil && len(out) == 0 {
				continue // zstd: no frames is no bytes
			}
			var fe *frame.Error
			if !errors.As(err, &fe) || !errors.Is(err, frame.ErrMalformed) {
				t.Errorf("%v %s: %v, want ErrMalformed", id, name, err)
			}
		}
	}
}

func TestTransformUnsupported(t *testing.T) {
	for _, id := range []frame.TransformID{frame.TransformHMAC, frame.TransformQLZ, 0x42} {
		_, err1 := frame.Transform(nil, []byte("x"), []frame.TransformID{id})
		_, err2 := frame.Untransform(nil, []byte("x"), []frame.TransformID{frame.TransformZlib, id}, nil)
		for _, err := range []error{err1, err2} {
			var fe *frame.Error
			if !errors.As(err, &fe) || !errors.Is(err, frame.ErrUnsupported) || !bytes.Contains([]byte(fe.What), []byte(fmt.Sprintf("%#04x", uint8(id)))) {
				t.Errorf("%v: %v, want ErrUnsupported naming it", id, err)
			}
		}
	}
}

// FuzzUntransform: no input panics, loops, yields an untyped error or
// inflates past the limit.
func FuzzUntransform(f *testing.F) {
	for _, id := range compressors {
		packed, _ := frame.Transform(nil, []byte("hello, hello, hello, hello"), []frame.TransformID{id})
		f.Add(uint8(id), packed)
	}
	f.Fuzz(func(t *testing.T, id uint8, in []byte) {
		const limit = 1 << 16
		out, err := frame.Untransform(nil, in, []frame.TransformID{frame.TransformID(id)}, &frame.Limits{MaxDecompressed: limit})
		if err != nil {
			requireTyped(t, err)
			return
		}
		if len(out) > limit {
			t.Fatalf("%d bytes out, limit %d", len(out), limit)
		}
	})
}

// Every envelope x transform chain x payload framing: TTHeader (the caller
// transforms: Kitex ignores the list) with its payload unframed or Framed,
// and THeader, whose encoders transform.
func TestEnvelopeMatrix(t *testing.T) {
	chains := [][]frame.TransformID{nil, {frame.TransformZlib}, {frame.TransformSnappy}, {frame.TransformZstd}, {frame.TransformZstd, frame.TransformZlib}}
	for _, framed := range []bool{false, true} {
		payload, wantKind := binaryCall, frame.KindTTHeader
		if framed {
			payload, wantKind = frame.AppendFramed(nil, binaryCall), frame.KindTTHeaderFramed
		}
		for _, ids := range chains {
			h := &frame.Header{SeqID: 5, Transforms: ids, Strings: []frame.StringPair{{"isn", "Echo"}}}
			body, err := frame.Transform(nil, payload, ids)
			if err != nil {
				t.Fatal(err)
			}
			wire, start, err := frame.StartTTHeader(nil, h)
			if err != nil {
				t.Fatal(err)
			}
			wire = append(wire, body...)
			if err := frame.FinishTTHeader(wire, start); err != nil {
				t.Fatal(err)
			}
			if kind, err := frame.Detect(wire); len(ids) == 0 && (err != nil || kind != wantKind) {
				t.Errorf("framed %v: Detect says %v, %v; want %v", framed, kind, err, wantKind)
			}
			var got frame.Header
			raw, _, err := frame.DecodeTTHeader(wire, &got, nil)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := frame.Untransform(nil, raw, got.Transforms, nil)
			if err != nil || !bytes.Equal(plain, payload) {
				t.Fatalf("TTHeader, framed %v, %v: %v", framed, ids, err)
			}
			if framed {
				if inner, _, err := frame.DecodeFramed(plain, nil); err != nil || !bytes.Equal(inner, binaryCall) {
					t.Fatalf("the Framed payload inside: %v", err)
				}
			}
			if framed {
				continue // THeader's payload is the message itself
			}
			wire, err = frame.AppendTHeader(nil, h, payload)
			if err != nil {
				t.Fatal(err)
			}
			if kind, err := frame.Detect(wire); err != nil || kind != frame.KindTHeader {
				t.Errorf("THeader: Detect says %v, %v", kind, err)
			}
			raw, _, err = frame.DecodeTHeader(wire, &got, nil)
			if err != nil {
				t.Fatal(err)
			}
			if plain, err = frame.Untransform(plain[:0], raw, got.Transforms, nil); err != nil || !bytes.Equal(plain, payload) {
				t.Fatalf("THeader, %v: %v", ids, err)
			}
		}
	}
}
