package frame

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"math"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/ringwire/ringwire/frame"
)

// apacheRead decodes one THeader frame with Apache Thrift v0.22.0 and reads
// its payload to the frame's end, transforms undone.
func apacheRead(in []byte) (tr *thrift.THeaderTransport, payload []byte, err error) {
	mem := thrift.NewTMemoryBuffer()
	mem.Write(in)
	tr = thrift.NewTHeaderTransportConf(mem, &thrift.TConfiguration{})
	if err := tr.ReadFrame(context.Background()); err != nil {
		return nil, nil, err
	}
	// The protocol id is checked when THeaderProtocol makes its reader.
	if err := tr.Protocol().Validate(); err != nil {
		return nil, nil, err
	}
	payload, err = io.ReadAll(tr)
	return tr, payload, err
}

// theaderLimits lift ringwire's limits to Apache's, which has none on
// header info, entries or inflation: inputs here are small.
var theaderLimits = &frame.Limits{MaxHeaderInfo: 4 * math.MaxUint16, MaxInfoEntries: math.MaxInt, MaxDecompressed: 1 << 26}

// stricter reports the ways ringwire rejects what Apache accepts, on input
// no writer produces: a varint longer than 5 bytes (Apache's reader goes on
// and truncates: an info id so written may read as 0x01 there), a negative
// count (Apache reads it as none), more than frame.MaxTransforms
// compressing transforms (Apache runs any number).
func stricter(err error) bool {
	var fe *frame.Error
	return errors.As(err, &fe) && (strings.Contains(fe.What, "longer than 5 bytes") ||
		strings.Contains(fe.What, "is negative") || strings.Contains(fe.What, "more than"))
}

// FuzzTHeaderApache decodes the same frame with ringwire and Apache Thrift
// v0.22.0's THeaderTransport: both accept or both reject, and when both
// accept, the same flags, seqid, protocol, headers and (transforms undone)
// payload. The length field and magic are set from the input, as in
// FuzzTTHeaderGopkg.
func FuzzTHeaderApache(f *testing.F) {
	for _, h := range theaderSeeds() {
		wire, _ := frame.AppendTHeader(nil, h, []byte("payload payload payload"))
		f.Add(wire)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 14 || len(in) > 1<<20 {
			return
		}
		in = bytes.Clone(in)
		binary.BigEndian.PutUint32(in, uint32(len(in)-4))
		binary.BigEndian.PutUint16(in[4:], frame.THeaderMagic)

		if apacheWouldBalloon(in) {
			return
		}
		var h frame.Header
		raw, _, err := frame.DecodeTHeader(in, &h, theaderLimits)
		var plain []byte
		if err == nil {
			plain, err = frame.Untransform(nil, raw, h.Transforms, theaderLimits)
		}
		tr, theirs, aerr := apacheRead(in)
		for _, id := range h.Transforms {
			if id == frame.TransformSnappy || id == frame.TransformZstd {
				return // fbthrift's; Apache Go knows zlib only
			}
		}
		if (err == nil) != (aerr == nil) {
			if err != nil && aerr == nil && stricter(err) {
				return
			}
			t.Fatalf("ringwire: %v, Apache: %v\n%x", err, aerr, in)
		}
		if err != nil {
			return
		}
		if tr.SequenceID != h.SeqID || tr.Flags != uint32(h.Flags) || int32(tr.Protocol()) != int32(h.Protocol) {
			t.Fatalf("fixed fields: Apache seqid %d flags %d protocol %d, ringwire %+v", tr.SequenceID, tr.Flags, tr.Protocol(), h)
		}
		ours := map[string]string{}
		for _, p := range h.Strings {
			ours[p.Key] = p.Value
		}
		if !maps.Equal(ours, map[string]string(tr.GetReadHeaders())) {
			t.Fatalf("headers: Apache %v, ringwire %v\n%x", tr.GetReadHeaders(), ours, in)
		}
		if !bytes.Equal(plain, theirs) {
			t.Fatalf("payload: Apache %x, ringwire %x", theirs, plain)
		}
	})
}

// apacheWouldBalloon reports a header whose transform count is more than
// its header has bytes left. Apache makes a slice of the claimed count
// before it reads one id (and before it checks the protocol id): 5 bytes
// claiming 2^31 transforms make it allocate 8 GiB. ringwire rejects such a
// count before allocating anything (TestDecodeTHeaderBad).
func apacheWouldBalloon(in []byte) bool {
	info := in[14:min(len(in), 14+4*int(binary.BigEndian.Uint16(in[12:])))]
	_, n := apacheVarint32(info) // the protocol id
	if n == 0 {
		return false
	}
	count, m := apacheVarint32(info[n:])
	return m > 0 && count > 0 && int(count) > len(info)-n-m
}

// apacheVarint32 reads a varint as Apache's compact reader does: with no
// bound on its length, the bits past 64 lost, the value cut to int32. It
// returns the bytes read, 0 when the input ends first.
func apacheVarint32(p []byte) (int32, int) {
	var v int64
	for i, b := range p {
		v |= int64(b&0x7f) << (7 * uint(i))
		if b < 0x80 {
			return int32(v), i + 1
		}
	}
	return 0, 0
}

func theaderSeeds() []*frame.Header {
	return []*frame.Header{
		{},
		{SeqID: 7, Strings: []frame.StringPair{{Key: "trace", Value: "abc"}}},
		{Flags: 2, SeqID: -1, Protocol: frame.ProtocolCompact, Transforms: []frame.TransformID{frame.TransformZlib},
			Strings: []frame.StringPair{{Key: "k", Value: "v"}, {Key: "", Value: ""}}},
		{Transforms: []frame.TransformID{frame.TransformZlib, frame.TransformNone, frame.TransformZlib}},
	}
}

// TestApacheInterop: what ringwire writes Apache reads, and what Apache
// writes ringwire reads, for both protocols, with and without zlib.
func TestApacheInterop(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 300)
	for _, proto := range []thrift.THeaderProtocolID{thrift.THeaderProtocolBinary, thrift.THeaderProtocolCompact} {
		for _, zlib := range []bool{false, true} {
			h := &frame.Header{SeqID: 9, Protocol: frame.ProtocolID(proto), Strings: []frame.StringPair{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}}
			var ids []thrift.THeaderTransformID
			if zlib {
				h.Transforms = []frame.TransformID{frame.TransformZlib}
				ids = []thrift.THeaderTransformID{thrift.TransformZlib}
			}
			ours, err := frame.AppendTHeader(nil, h, payload)
			if err != nil {
				t.Fatal(err)
			}
			tr, got, err := apacheRead(ours)
			if err != nil || !bytes.Equal(got, payload) || tr.SequenceID != 9 || tr.Protocol() != proto || tr.GetReadHeaders()["b"] != "2" {
				t.Fatalf("Apache reads ours (protocol %d, zlib %v): %v", proto, zlib, err)
			}

			mem := thrift.NewTMemoryBuffer()
			cfg := &thrift.TConfiguration{THeaderProtocolID: &proto, THeaderTransforms: ids}
			w := thrift.NewTHeaderTransportConf(mem, cfg)
			w.SequenceID = 9
			w.SetWriteHeader("a", "1")
			w.SetWriteHeader("b", "2")
			w.Write(payload)
			if err := w.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			var back frame.Header
			raw, _, err := frame.DecodeTHeader(mem.Bytes(), &back, nil)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := frame.Untransform(nil, raw, back.Transforms, nil)
			if v, _ := back.String("b"); err != nil || !bytes.Equal(plain, payload) || back.SeqID != 9 || back.Protocol != frame.ProtocolID(proto) || v != "2" {
				t.Fatalf("ringwire reads Apache's (protocol %d, zlib %v): %+v, %v", proto, zlib, back, err)
			}
		}
	}
}
