package frame

import (
	"bytes"
	"context"
	"encoding/binary"
	"maps"
	"math"
	"testing"

	"github.com/cloudwego/gopkg/protocol/ttheader"
	"github.com/ringwire/ringwire/frame"
)

// gopkgProtocols are the protocol ids gopkg's decoder accepts. ringwire's
// frame layer accepts any and leaves the choice to the layer that decodes
// the payload; the comparison applies gopkg's rule to ringwire's result.
var gopkgProtocols = map[frame.ProtocolID]bool{0x00: true, 0x03: true, 0x04: true, 0x10: true, 0x11: true}

// FuzzTTHeaderGopkg decodes the same frame with ringwire and gopkg v0.1.6.
// The input's length field is set to the input's size first: gopkg does not
// check the length field against the header (it reads the header past the
// frame's end, and reports a negative PayloadLen), ringwire does, so only
// frames that are what their length says are compared.
func FuzzTTHeaderGopkg(f *testing.F) {
	for _, h := range seedHeaders() {
		wire, start, _ := frame.StartTTHeader(nil, h)
		wire = append(wire, "payload"...)
		frame.FinishTTHeader(wire, start)
		f.Add(wire)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 14 || len(in) > 1<<20 {
			return
		}
		in = bytes.Clone(in)
		binary.BigEndian.PutUint32(in, uint32(len(in)-4))
		binary.BigEndian.PutUint16(in[4:], frame.TTHeaderMagic)
		if binary.BigEndian.Uint16(in[12:]) >= 0x4000 {
			// gopkg multiplies the header size by 4 in uint16 and wraps:
			// 0x8001 words read as a 4-byte header. ringwire reads 131,076
			// bytes and rejects them as above MaxHeaderInfo.
			return
		}

		var h frame.Header
		payload, _, err := frame.DecodeTTHeader(in, &h, &frame.Limits{MaxInfoEntries: math.MaxInt})
		param, gerr := ttheader.DecodeFromBytes(context.Background(), in)
		ours := err == nil && gopkgProtocols[h.Protocol]
		if ours != (gerr == nil) {
			t.Fatalf("ringwire: %v (protocol %d), gopkg: %v\n%x", err, h.Protocol, gerr, in)
		}
		if !ours {
			return
		}
		if uint16(param.Flags) != h.Flags || param.SeqID != h.SeqID || uint8(param.ProtocolID) != uint8(h.Protocol) ||
			param.PayloadLen != len(payload) || !bytes.Equal(in[param.HeaderLen:], payload) {
			t.Fatalf("fixed fields or payload differ: gopkg %+v, ringwire %+v\n%x", param, h, in)
		}
		ints := map[uint16]string{}
		for _, p := range h.Ints {
			ints[uint16(p.Key)] = p.Value
		}
		strs := map[string]string{}
		for _, p := range h.Strings {
			strs[p.Key] = p.Value
		}
		// gopkg files the ACL token under a string key; when a string
		// header has that key too, which wins depends on the blocks' order,
		// which a Header does not keep. An empty token is a Header's "none".
		if v, ok := param.StrInfo[ttheader.GDPRToken]; ok {
			if _, clash := strs[ttheader.GDPRToken]; !clash && v != h.ACLToken {
				t.Fatalf("ACL token: gopkg %q, ringwire %q", v, h.ACLToken)
			}
			strs[ttheader.GDPRToken] = v
		} else if h.ACLToken != "" {
			t.Fatalf("ACL token %q that gopkg did not see", h.ACLToken)
		}
		if !maps.Equal(ints, nonNil(param.IntInfo)) || !maps.Equal(strs, nonNil(param.StrInfo)) {
			t.Fatalf("headers differ: gopkg %v %v, ringwire %v %v\n%x", param.IntInfo, param.StrInfo, ints, strs, in)
		}
	})
}

func nonNil[K comparable](m map[K]string) map[K]string {
	if m == nil {
		return map[K]string{}
	}
	return m
}

func seedHeaders() []*frame.Header {
	return []*frame.Header{
		{},
		{SeqID: 77, Strings: []frame.StringPair{{Key: "server-said", Value: "hi"}}, Ints: []frame.IntPair{{Key: frame.MsgType, Value: "2"}}},
		{Flags: 1, SeqID: -3, Protocol: frame.ProtocolProtobuf, ACLToken: "token",
			Strings: []frame.StringPair{{Key: "isn", Value: "Echo"}, {Key: "a", Value: ""}, {Key: "a", Value: "again"}},
			Ints:    []frame.IntPair{{Key: frame.RPCTimeout, Value: "1000"}, {Key: frame.TransportType, Value: "framed"}}},
		{Protocol: frame.ProtocolCompact, Transforms: []frame.TransformID{1, 3}},
	}
}

// TestGopkgReadsOurs and the reverse: frames each side encodes decode on the
// other to the same fields.
func TestGopkgInterop(t *testing.T) {
	for _, h := range seedHeaders() {
		if len(h.Transforms) > 0 {
			continue // gopkg writes none
		}
		ours, start, err := frame.StartTTHeader(nil, h)
		if err != nil {
			t.Fatal(err)
		}
		ours = append(ours, "payload"...)
		frame.FinishTTHeader(ours, start)
		param, err := ttheader.DecodeFromBytes(context.Background(), ours)
		if err != nil || param.SeqID != h.SeqID || string(ours[param.HeaderLen:]) != "payload" {
			t.Fatalf("gopkg reads ours: %+v, %v", param, err)
		}
		if v, _ := h.String("isn"); v != param.StrInfo["isn"] {
			t.Errorf("isn: gopkg read %q", param.StrInfo["isn"])
		}

		enc := ttheader.EncodeParam{Flags: ttheader.HeaderFlags(h.Flags), SeqID: h.SeqID, ProtocolID: ttheader.ProtocolID(h.Protocol),
			IntInfo: map[uint16]string{}, StrInfo: map[string]string{}}
		for _, p := range h.Ints {
			enc.IntInfo[uint16(p.Key)] = p.Value
		}
		for _, p := range h.Strings {
			enc.StrInfo[p.Key] = p.Value
		}
		theirs, err := ttheader.EncodeToBytes(context.Background(), enc)
		if err != nil {
			t.Fatal(err)
		}
		theirs = append(theirs, "payload"...)
		binary.BigEndian.PutUint32(theirs, uint32(len(theirs)-4))
		var got frame.Header
		p, _, err := frame.DecodeTTHeader(theirs, &got, nil)
		if err != nil || string(p) != "payload" || got.SeqID != h.SeqID || got.Flags != h.Flags || len(got.Ints) != len(enc.IntInfo) {
			t.Fatalf("ringwire reads gopkg's: %+v, %v", got, err)
		}
		for k, v := range enc.StrInfo {
			if g, _ := got.String(k); g != v {
				t.Errorf("string %q: %q, want %q", k, g, v)
			}
		}
	}
}
