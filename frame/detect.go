package frame

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// A Kind is what a message is, as Detect tells from its first bytes.
type Kind uint8

// Kinds of message.
const (
	KindUnknown         Kind = iota
	KindTTHeader             // TTHeader, its payload unframed
	KindTTHeaderFramed       // TTHeader around a Framed payload
	KindTHeader              // Apache THeader
	KindMeshHeader           // MeshHeader (0xFFAF) before the message
	KindFramedBinary         // Framed, strict binary inside
	KindFramedCompact        // Framed, compact inside
	KindUnframedBinary       // strict binary, unframed ("buffered")
	KindUnframedCompact      // compact, unframed
	KindKitexProtobuf        // Kitex protobuf, framed
	KindHTTP2                // an HTTP/2 connection preface
	KindHTTP1                // an HTTP/1 request line
)

var kindNames = [...]string{
	KindUnknown: "unknown", KindTTHeader: "TTHeader", KindTTHeaderFramed: "TTHeader+Framed",
	KindTHeader: "THeader", KindMeshHeader: "MeshHeader", KindFramedBinary: "Framed binary",
	KindFramedCompact: "Framed compact", KindUnframedBinary: "unframed binary",
	KindUnframedCompact: "unframed compact", KindKitexProtobuf: "Kitex protobuf",
	KindHTTP2: "HTTP/2 preface", KindHTTP1: "HTTP/1 request",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// An UnknownError is a message Detect does not recognise; it quotes the
// first bytes.
type UnknownError struct {
	Prefix []byte // up to 16 bytes, copied
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("frame: unknown protocol, first bytes %x", e.Prefix)
}

// Markers Detect looks for.
const (
	binaryVersion   = 0x8001 // strict binary's first u16
	protobufVersion = 0x9001 // Kitex protobuf's
	compactID       = 0x82   // compact's first byte; version 1 in the next byte's low 5 bits
	meshMagic       = 0xFFAF
	theaderMagic    = 0x0FFF
)

// textMarkers are the request lines' methods and the HTTP/2 preface's first
// 8 bytes (what Kitex checks).
var textMarkers = []struct {
	text string
	kind Kind
}{
	{"GET ", KindHTTP1}, {"POST ", KindHTTP1}, {"PUT ", KindHTTP1}, {"HEAD ", KindHTTP1},
	{"DELETE ", KindHTTP1}, {"OPTIONS ", KindHTTP1}, {"PATCH ", KindHTTP1}, {"CONNECT ", KindHTTP1},
	{"TRACE ", KindHTTP1}, {"PRI * HT", KindHTTP2},
}

// detectLen is how many bytes Detect needs at most to tell a message's
// envelope; a TTHeader's payload framing needs its header too.
const detectLen = 8

// Detect tells what the message at the start of p is. With too few bytes to
// tell, it returns a *NeedError saying how many it needs; a message it does
// not recognise is an *UnknownError. It reads at most the first 8 bytes, and
// for a TTHeader the header and 8 bytes of payload, to tell whether the
// payload is Framed.
func Detect(p []byte) (Kind, error) {
	// Two bytes tell the unframed payloads and MeshHeader.
	if len(p) < 2 {
		return KindUnknown, &NeedError{Need: 2}
	}
	switch u16 := binary.BigEndian.Uint16(p); {
	case u16 == binaryVersion:
		return KindUnframedBinary, nil
	case u16 == meshMagic:
		return KindMeshHeader, nil
	case p[0] == compactID && p[1]&0x1f == 1:
		return KindUnframedCompact, nil
	}
	// Text: a request line or the HTTP/2 preface, once the whole marker
	// has arrived.
	for _, m := range textMarkers {
		n := min(len(p), len(m.text))
		if string(p[:n]) != m.text[:n] {
			continue
		}
		if n < len(m.text) {
			return KindUnknown, &NeedError{Need: len(m.text)}
		}
		return m.kind, nil
	}
	if len(p) < detectLen {
		return KindUnknown, &NeedError{Need: detectLen}
	}
	switch u16 := binary.BigEndian.Uint16(p[4:]); {
	case u16 == TTHeaderMagic:
		return detectTTHeader(p)
	case u16 == theaderMagic:
		return KindTHeader, nil
	case u16 == binaryVersion:
		return KindFramedBinary, nil
	case u16 == protobufVersion:
		return KindKitexProtobuf, nil
	case p[4] == compactID && p[5]&0x1f == 1:
		return KindFramedCompact, nil
	}
	return KindUnknown, &UnknownError{Prefix: bytes.Clone(p[:min(len(p), 16)])}
}

// detectTTHeader tells whether a TTHeader's payload is Framed: a u32 length,
// then a strict binary message.
func detectTTHeader(p []byte) (Kind, error) {
	if len(p) < ttFixed {
		return KindUnknown, &NeedError{Need: ttFixed}
	}
	length := int(binary.BigEndian.Uint32(p))
	info := 4 * int(binary.BigEndian.Uint16(p[12:]))
	start := ttFixed + info
	end := min(4+length, start+detectLen) // the payload's first bytes, within the frame
	if end-start < detectLen {
		return KindTTHeader, nil // too short to be Framed, or a malformed frame its decoder will name
	}
	if len(p) < end {
		return KindUnknown, &NeedError{Need: end}
	}
	if binary.BigEndian.Uint16(p[start+4:]) == binaryVersion {
		return KindTTHeaderFramed, nil
	}
	return KindTTHeader, nil
}
