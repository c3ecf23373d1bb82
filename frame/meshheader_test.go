package frame_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/ringwire/ringwire/frame"
)

// meshHeader builds a MeshHeader of pairs, with extra bytes after the block.
func meshHeader(extra int, pairs ...string) []byte {
	info := binary.BigEndian.AppendUint16(nil, uint16(len(pairs)/2))
	for _, s := range pairs {
		info = binary.BigEndian.AppendUint16(info, uint16(len(s)))
		info = append(info, s...)
	}
	info = append(info, make([]byte, extra)...)
	p := binary.BigEndian.AppendUint16([]byte{0xff, 0xaf}, uint16(len(info)))
	return append(p, info...)
}

func TestDecodeMeshHeader(t *testing.T) {
	in := append(meshHeader(3, "rip", "10.0.0.1", "tc", "x"), binaryCall...)
	var h frame.Header
	size, err := frame.DecodeMeshHeader(in, &h, nil)
	if err != nil || size != len(in)-len(binaryCall) {
		t.Fatalf("size %d, %v", size, err)
	}
	if v, _ := h.String("rip"); v != "10.0.0.1" || len(h.Strings) != 2 {
		t.Fatalf("pairs %v", h.Strings)
	}
	if k, _ := frame.Detect(in); k != frame.KindMeshHeader {
		t.Errorf("Detect says %v", k)
	}
	if k, _ := frame.Detect(in[size:]); k != frame.KindUnframedBinary {
		t.Errorf("after the header, Detect says %v", k)
	}
	for i := range size {
		var need *frame.NeedError
		if _, err := frame.DecodeMeshHeader(in[:i], &h, nil); !errors.As(err, &need) || need.Need <= i || need.Need > size {
			t.Fatalf("%d of %d bytes: %v", i, size, err)
		}
	}
	bad := []struct {
		name   string
		in     []byte
		lim    *frame.Limits
		kind   error
		offset int
	}{
		{"magic", []byte{0x10, 0, 0, 0}, nil, frame.ErrMalformed, 0},
		{"count past the header", []byte{0xff, 0xaf, 0, 3, 0, 9, 0}, nil, frame.ErrMalformed, 4},
		{"string past the header", []byte{0xff, 0xaf, 0, 6, 0, 1, 0, 50, 'k', 'v'}, nil, frame.ErrMalformed, 8},
		{"above MaxHeaderInfo", meshHeader(100), &frame.Limits{MaxHeaderInfo: 64}, frame.ErrTooLarge, 2},
		{"above MaxInfoEntries", meshHeader(0, "a", "b", "c", "d"), &frame.Limits{MaxInfoEntries: 1}, frame.ErrTooLarge, 4},
	}
	for _, tt := range bad {
		_, err := frame.DecodeMeshHeader(tt.in, &h, tt.lim)
		var fe *frame.Error
		if !errors.As(err, &fe) || !errors.Is(err, tt.kind) || fe.Offset != tt.offset || fe.Format != "MeshHeader" {
			t.Errorf("%s: %v, want %v at offset %d", tt.name, err, tt.kind, tt.offset)
		}
	}
}

// FuzzDecodeMeshHeader: no input panics or yields an untyped error; what
// decodes lies within the input.
func FuzzDecodeMeshHeader(f *testing.F) {
	f.Add(meshHeader(0, "rip", "10.0.0.1"))
	f.Add(meshHeader(5))
	f.Add([]byte{0xff, 0xaf, 0, 3, 0, 9, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		var h frame.Header
		size, err := frame.DecodeMeshHeader(in, &h, &frame.Limits{MaxInfoEntries: 64})
		if err != nil {
			requireTyped(t, err)
			return
		}
		if size > len(in) || len(h.Strings) > 64 {
			t.Fatalf("size %d of %d bytes, %d pairs", size, len(in), len(h.Strings))
		}
	})
}
