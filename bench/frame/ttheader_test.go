package frame

import (
	"bytes"
	"context"
	"encoding/binary"
	"maps"
	"strconv"
	"testing"

	"github.com/cloudwego/gopkg/bufiox"
	"github.com/cloudwego/gopkg/protocol/ttheader"
	"github.com/ringwire/ringwire/frame"
)

// The workload issue 5 names: a TTHeader frame with 10 string and 8 int
// headers, as a Kitex client's call carries them, and a 1 KiB payload.
var (
	ints = []frame.IntPair{
		{Key: frame.TransportType, Value: "framed"}, {Key: frame.LogID, Value: "0202612041200000000000000000000"},
		{Key: frame.FromService, Value: "echo.client"}, {Key: frame.ToService, Value: "echo.server"},
		{Key: frame.ToMethod, Value: "Echo"}, {Key: frame.RPCTimeout, Value: "1000"},
		{Key: frame.FromMethod, Value: "call"}, {Key: frame.MsgType, Value: "1"},
	}
	strs    = stringHeaders()
	payload = bytes.Repeat([]byte{0x5a}, 1024)
)

func stringHeaders() []frame.StringPair {
	s := []frame.StringPair{{Key: frame.KeyIDLServiceName, Value: "Echo"}}
	for i := range 9 {
		s = append(s, frame.StringPair{Key: "RPC_TRANSIT_key" + strconv.Itoa(i), Value: "value-of-sixteen"})
	}
	return s
}

func ringwireHeader() *frame.Header {
	return &frame.Header{SeqID: 77, Strings: strs, Ints: ints}
}

func gopkgParam() ttheader.EncodeParam {
	p := ttheader.EncodeParam{SeqID: 77, IntInfo: map[uint16]string{}, StrInfo: map[string]string{}}
	for _, kv := range ints {
		p.IntInfo[uint16(kv.Key)] = kv.Value
	}
	for _, kv := range strs {
		p.StrInfo[kv.Key] = kv.Value
	}
	return p
}

// ringwireEncode appends the frame to dst with StartTTHeader, the payload
// appended in place, and FinishTTHeader.
func ringwireEncode(dst []byte, h *frame.Header) []byte {
	dst, start, err := frame.StartTTHeader(dst, h)
	if err != nil {
		panic(err)
	}
	dst = append(dst, payload...)
	if err := frame.FinishTTHeader(dst, start); err != nil {
		panic(err)
	}
	return dst
}

// gopkgEncode is gopkg's documented use: Encode onto a bufiox writer over a
// reused slice, the payload written after it, then the length filled in.
func gopkgEncode(dst []byte, param ttheader.EncodeParam) []byte {
	buf := dst[:0]
	w := bufiox.NewBytesWriter(&buf)
	lenField, err := ttheader.Encode(context.Background(), param, w)
	if err != nil {
		panic(err)
	}
	if _, err := w.WriteBinary(payload); err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint32(lenField, uint32(w.WrittenLen()-4))
	if err := w.Flush(); err != nil {
		panic(err)
	}
	return buf
}

func BenchmarkTTHeader(b *testing.B) {
	wire := ringwireEncode(nil, ringwireHeader())
	b.Run("encode/ringwire", func(b *testing.B) {
		h := ringwireHeader()
		dst := make([]byte, 0, 4096)
		b.ReportAllocs()
		for b.Loop() {
			dst = ringwireEncode(dst[:0], h)
		}
	})
	b.Run("encode/gopkg", func(b *testing.B) {
		param := gopkgParam()
		dst := make([]byte, 0, 4096)
		b.ReportAllocs()
		for b.Loop() {
			dst = gopkgEncode(dst, param)
		}
	})
	b.Run("decode/ringwire", func(b *testing.B) {
		var h frame.Header
		b.ReportAllocs()
		for b.Loop() {
			p, _, err := frame.DecodeTTHeader(wire, &h, nil)
			if err != nil || len(p) != len(payload) {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/gopkg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := ttheader.DecodeFromBytes(context.Background(), wire)
			if err != nil || p.PayloadLen != len(payload) {
				b.Fatal(err)
			}
		}
	})
}

// TestSameWork checks that both sides encode frames the other decodes to the
// same headers and payload, so the benchmark compares equal work.
func TestSameWork(t *testing.T) {
	h := ringwireHeader()
	ours := ringwireEncode(nil, h)
	theirs := gopkgEncode(make([]byte, 0, 4096), gopkgParam())
	if len(ours) != len(theirs) {
		t.Errorf("frames of %d and %d bytes", len(ours), len(theirs))
	}
	for _, wire := range [][]byte{ours, theirs} {
		var got frame.Header
		p, _, err := frame.DecodeTTHeader(wire, &got, nil)
		if err != nil || !bytes.Equal(p, payload) || len(got.Strings) != 10 || len(got.Ints) != 8 {
			t.Fatalf("ringwire decode: %v, %d strings, %d ints", err, len(got.Strings), len(got.Ints))
		}
		param, err := ttheader.DecodeFromBytes(context.Background(), wire)
		if err != nil || param.PayloadLen != len(payload) || !bytes.Equal(wire[param.HeaderLen:], payload) {
			t.Fatalf("gopkg decode: %v", err)
		}
		want := gopkgParam()
		if !maps.Equal(param.IntInfo, want.IntInfo) || !maps.Equal(param.StrInfo, want.StrInfo) {
			t.Errorf("gopkg decoded %v %v", param.IntInfo, param.StrInfo)
		}
	}
}
