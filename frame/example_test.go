package frame_test

import (
	"fmt"

	"github.com/ringwire/ringwire/frame"
)

// Framed frames from a byte slice, as captured off the wire.
func Example() {
	wire := frame.AppendFramed(nil, []byte("first"))
	wire = frame.AppendFramed(wire, []byte("second"))
	for len(wire) > 0 {
		payload, size, err := frame.DecodeFramed(wire, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s\n", payload)
		wire = wire[size:]
	}
	// Output:
	// first
	// second
}

// A TTHeader frame decoded from bytes captured off the wire: the header's
// fields, and the payload in place.
func ExampleDecodeTTHeader() {
	wire, start, _ := frame.StartTTHeader(nil, &frame.Header{SeqID: 77,
		Strings: []frame.StringPair{{frame.KeyIDLServiceName, "Echo"}},
		Ints:    []frame.IntPair{{frame.MsgType, "1"}}})
	wire = append(wire, "payload"...)
	frame.FinishTTHeader(wire, start)

	var h frame.Header // reuse it across frames: no allocation per frame
	payload, size, err := frame.DecodeTTHeader(wire, &h, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	isn, _ := h.String(frame.KeyIDLServiceName)
	msgType, _ := h.Int(frame.MsgType)
	fmt.Println(size, h.SeqID, isn, msgType, string(payload))
	// Output: 45 77 Echo 1 payload
}

// A THeader frame with a zlib-compressed payload, as Apache Thrift reads and
// writes it: the decoder hands back the payload as it came, Untransform
// inflates it (bounded by Limits.MaxDecompressed) into a buffer to reuse.
func ExampleDecodeTHeader() {
	h := &frame.Header{SeqID: 7, Protocol: frame.ProtocolCompact,
		Transforms: []frame.TransformID{frame.TransformZlib},
		Strings:    []frame.StringPair{{"trace", "abc"}}}
	wire, _ := frame.AppendTHeader(nil, h, []byte("a compact message, a compact message"))

	var got frame.Header
	raw, _, err := frame.DecodeTHeader(wire, &got, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var scratch []byte
	msg, err := frame.Untransform(scratch[:0], raw, got.Transforms, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	trace, _ := got.String("trace")
	fmt.Println(got.SeqID, got.Protocol == frame.ProtocolCompact, got.Transforms, trace, string(msg))
	// Output: 7 true [zlib] abc a compact message, a compact message
}
