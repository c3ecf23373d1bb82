package frame_test

import (
	"errors"
	"testing"

	"github.com/ringwire/ringwire/frame"
)

func TestCRC32C(t *testing.T) {
	// "123456789" is CRC-32C's check input; 0xe3069283 its check value.
	payload := []byte("123456789")
	h := &frame.Header{SeqID: 3, Strings: []frame.StringPair{{"isn", "Echo"}}}
	h.SetCRC32C(payload)
	if v, _ := h.String(frame.KeyCRC32C); v != "e3069283" || len(h.Strings) != 2 {
		t.Fatalf("crc32c header %q, headers %v", v, h.Strings)
	}
	// Set again: replaced, not added, and no allocation once the Header has
	// its memory.
	if n := testing.AllocsPerRun(10, func() { h.SetCRC32C(payload) }); n != 0 || len(h.Strings) != 2 {
		t.Errorf("%.0f allocations, %d headers", n, len(h.Strings))
	}

	dst, start, _ := frame.StartTTHeader(nil, h)
	dst = append(dst, payload...)
	frame.FinishTTHeader(dst, start)
	var got frame.Header
	p, _, err := frame.DecodeTTHeader(dst, &got, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.CheckCRC32C(p); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	p[0] ^= 1
	var fe *frame.Error
	if err := got.CheckCRC32C(p); !errors.As(err, &fe) || !errors.Is(err, frame.ErrChecksum) {
		t.Fatalf("a flipped bit: %v, want ErrChecksum", err)
	}
	// No header, or an empty one, is not checked (as Kitex).
	for _, h := range []*frame.Header{{}, {Strings: []frame.StringPair{{frame.KeyCRC32C, ""}}}} {
		if err := h.CheckCRC32C([]byte("anything")); err != nil {
			t.Errorf("%v: %v", h.Strings, err)
		}
	}
	if n := testing.AllocsPerRun(10, func() { h.CheckCRC32C(payload) }); n != 0 {
		t.Errorf("%.0f allocations per check", n)
	}
}
