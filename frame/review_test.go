package frame_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/frame"
)

// A header may list thousands of transforms: TransformNone steps cost
// nothing, and more than MaxTransforms that do something are refused before
// any work. (Found by review: 300 None steps before a zlib bomb cost 340 ms.)
func TestUntransformChainBounded(t *testing.T) {
	const limit = 1 << 20
	bomb, _ := frame.Transform(nil, make([]byte, limit), []frame.TransformID{frame.TransformZlib})
	ids := append(make([]frame.TransformID, 5000), frame.TransformZlib)
	info := binary.AppendUvarint([]byte{0}, uint64(len(ids)))
	for _, id := range ids {
		info = append(info, byte(id))
	}
	var h frame.Header
	raw, _, err := frame.DecodeTHeader(thFrame(info, string(bomb)), &h, nil)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := frame.Untransform(nil, raw, h.Transforms, &frame.Limits{MaxDecompressed: limit})
	runtime.ReadMemStats(&after)
	if err != nil || len(out) != limit {
		t.Fatalf("%d bytes, %v", len(out), err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 3*limit {
		t.Errorf("allocated %d bytes for one step of %d", grew, limit)
	}
	five := []frame.TransformID{1, 1, 0, 1, 1, 1}
	for _, f := range []func() error{
		func() error { _, err := frame.Untransform(nil, raw, five, nil); return err },
		func() error { _, err := frame.Transform(nil, raw, five); return err },
	} {
		if err := f(); !errors.Is(err, frame.ErrTooLarge) {
			t.Errorf("five compressing steps: %v, want ErrTooLarge", err)
		}
	}
}

// zstd appends after what dst holds, which does not count against the limit.
func TestUntransformZstdIntoUsedBuffer(t *testing.T) {
	const limit = 1 << 20
	payload := payloadOf(600 << 10)
	packed, _ := frame.Transform(nil, payload, []frame.TransformID{frame.TransformZstd})
	for _, dst := range [][]byte{make([]byte, 500<<10), make([]byte, 500<<10, 2<<20)} {
		out, err := frame.Untransform(dst, packed, []frame.TransformID{frame.TransformZstd}, &frame.Limits{MaxDecompressed: limit})
		if err != nil || len(out) != len(dst)+len(payload) || !bytes.Equal(out[len(dst):], payload) {
			t.Fatalf("cap %d: %d bytes, %v", cap(dst), len(out), err)
		}
	}
}

// A zstd stream that does not say its size up front is stopped while it
// decompresses.
func TestUntransformZstdStreamBomb(t *testing.T) {
	const limit = 1 << 20
	var buf bytes.Buffer
	w, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	for range 64 {
		w.Write(make([]byte, 1<<20))
	}
	w.Close()
	if h := new(zstd.Header); h.Decode(buf.Bytes()) != nil || h.HasFCS {
		t.Fatalf("the bomb declares its size: %+v", h)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := frame.Untransform(nil, buf.Bytes(), []frame.TransformID{frame.TransformZstd}, &frame.Limits{MaxDecompressed: limit})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, frame.ErrTooLarge) {
		t.Fatalf("%d-byte stream bomb: %v", buf.Len(), err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4*limit {
		t.Errorf("allocated %d bytes before failing; the limit is %d", grew, limit)
	}
}

// FinishTHeader checks the header it reads back as a decoder would: a count
// past the header fails before any allocation, an unknown id fails.
func TestFinishTHeaderChecks(t *testing.T) {
	for _, tt := range []struct {
		info []byte
		kind error
	}{
		{binary.AppendUvarint([]byte{0}, 1<<30), frame.ErrMalformed},
		{[]byte{0, 1, 0x81, 0x02}, frame.ErrUnsupported},
	} {
		f := thFrame(tt.info, "payload")
		if _, err := frame.FinishTHeader(f, 0); !errors.Is(err, tt.kind) {
			t.Errorf("info %x: %v, want %v", tt.info, err, tt.kind)
		}
	}
}

// The writers refuse a Begin before End, and a THeaderWriter with
// transforms sees a Flush between them.
func TestWriterMisuse(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	var fw frame.FramedWriter
	if err := fw.Begin(&b); err != nil {
		t.Fatal(err)
	}
	if err := fw.Begin(&b); !errors.Is(err, frame.ErrFrameOpen) {
		t.Errorf("FramedWriter: second Begin: %v", err)
	}
	var tw frame.TTHeaderWriter
	tw.Begin(&b, &frame.Header{})
	if err := tw.Begin(&b, &frame.Header{}); !errors.Is(err, frame.ErrFrameOpen) {
		t.Errorf("TTHeaderWriter: second Begin: %v", err)
	}
	var th frame.THeaderWriter
	h := &frame.Header{Transforms: []frame.TransformID{frame.TransformZlib}}
	pw, err := th.Begin(&b, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := th.Begin(&b, h); !errors.Is(err, frame.ErrFrameOpen) {
		t.Errorf("THeaderWriter: second Begin: %v", err)
	}
	pw.Write([]byte("payload"))
	b.Flush()
	if err := th.End(); !errors.Is(err, frame.ErrHeaderFlushed) {
		t.Errorf("THeaderWriter: Flush between Begin and End: %v", err)
	}
	if _, err := th.Begin(&b, h); err != nil {
		t.Errorf("after a failed End the writer is free: %v", err)
	}
}
