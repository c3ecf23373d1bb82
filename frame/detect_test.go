package frame_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ringwire/ringwire/frame"
)

// binaryCall is a strict binary CALL of "Echo", seqid 1, with an empty
// struct.
var binaryCall = []byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 4, 'E', 'c', 'h', 'o', 0, 0, 0, 1, 0}

// compactCall is the same call in compact.
var compactCall = []byte{0x82, 0x21, 0x01, 0x04, 'E', 'c', 'h', 'o', 0}

func ttheaderAround(payload []byte) []byte {
	dst, start, err := frame.StartTTHeader(nil, &frame.Header{SeqID: 1, Strings: []frame.StringPair{{frame.KeyIDLServiceName, "Echo"}}})
	if err != nil {
		panic(err)
	}
	dst = append(dst, payload...)
	if err := frame.FinishTTHeader(dst, start); err != nil {
		panic(err)
	}
	return dst
}

var detectCases = []struct {
	name string
	in   []byte
	want frame.Kind
}{
	{"unframed binary", binaryCall, frame.KindUnframedBinary},
	{"unframed compact", compactCall, frame.KindUnframedCompact},
	{"Framed binary", frame.AppendFramed(nil, binaryCall), frame.KindFramedBinary},
	{"Framed compact", frame.AppendFramed(nil, compactCall), frame.KindFramedCompact},
	{"TTHeader", ttheaderAround(binaryCall), frame.KindTTHeader},
	{"TTHeader, Framed inside", ttheaderAround(frame.AppendFramed(nil, binaryCall)), frame.KindTTHeaderFramed},
	{"TTHeader, short payload", ttheaderAround([]byte{1, 2}), frame.KindTTHeader},
	{"THeader", []byte{0, 0, 0, 20, 0x0f, 0xff, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0}, frame.KindTHeader},
	{"MeshHeader", []byte{0xff, 0xaf, 0, 4, 0, 0, 0, 0}, frame.KindMeshHeader},
	{"Kitex protobuf", frame.AppendFramed(nil, []byte{0x90, 0x01, 0, 1, 0, 0, 0, 0}), frame.KindKitexProtobuf},
	{"HTTP/2 preface", []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), frame.KindHTTP2},
	{"HTTP/1 GET", []byte("GET / HTTP/1.1\r\n"), frame.KindHTTP1},
	{"HTTP/1 POST", []byte("POST /rpc HTTP/1.1\r\n"), frame.KindHTTP1},
	{"HTTP/1 OPTIONS", []byte("OPTIONS * HTTP/1.1\r\n"), frame.KindHTTP1},
}

func TestDetect(t *testing.T) {
	for _, tt := range detectCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frame.Detect(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("Detect = %v, %v; want %v", got, err, tt.want)
			}
			// A prefix gives the same answer or asks for more, never beyond
			// what the whole message let Detect decide with.
			for i := range len(tt.in) {
				k, err := frame.Detect(tt.in[:i])
				var need *frame.NeedError
				switch {
				case err == nil && k != tt.want:
					t.Fatalf("%d bytes: %v, want %v", i, k, tt.want)
				case err != nil && (!errors.As(err, &need) || need.Need <= i):
					t.Fatalf("%d bytes: %v", i, err)
				}
			}
		})
	}
}

func TestDetectUnknown(t *testing.T) {
	for _, in := range [][]byte{
		frame.AppendFramed(nil, []byte("not thrift")),
		[]byte("SSH-2.0-OpenSSH_9.6\r\n"),
		{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}, // a TLS ClientHello
	} {
		_, err := frame.Detect(in)
		var u *frame.UnknownError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "first bytes") || len(u.Prefix) == 0 {
			t.Errorf("%q: %v", in, err)
		}
	}
	if k := frame.Kind(200).String(); k != "Kind(200)" {
		t.Errorf("an unnamed kind prints %q", k)
	}
	if frame.KindTTHeaderFramed.String() != "TTHeader+Framed" {
		t.Errorf("KindTTHeaderFramed prints %q", frame.KindTTHeaderFramed)
	}
}

func TestDetectAllocations(t *testing.T) {
	in := ttheaderAround(frame.AppendFramed(nil, binaryCall))
	if n := testing.AllocsPerRun(100, func() { frame.Detect(in) }); n != 0 {
		t.Errorf("%.0f allocations per Detect", n)
	}
}

// FuzzDetect: no input panics; an answer with more bytes never contradicts
// one with fewer.
func FuzzDetect(f *testing.F) {
	for _, tt := range detectCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		k, err := frame.Detect(in)
		var need *frame.NeedError
		var u *frame.UnknownError
		switch {
		case err == nil:
			// Every longer input starting alike says the same.
			if k2, err2 := frame.Detect(append(in[:len(in):len(in)], 0, 0, 0, 0, 0, 0, 0, 0)); err2 != nil || k2 != k {
				t.Fatalf("%x: %v, then with more bytes %v, %v", in, k, k2, err2)
			}
		case errors.As(err, &need):
			if need.Need <= len(in) {
				t.Fatalf("%x: needs %d of the %d it has", in, need.Need, len(in))
			}
		case !errors.As(err, &u):
			t.Fatalf("untyped error %v", err)
		}
	})
}
