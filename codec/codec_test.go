package codec_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Apache Thrift v0.22.0's TBinaryProtocol and TCompactProtocol output for a
// CALL whose args hold a value of every type (codec/thriftwire's golden
// test; field 3 comes twice, the second time as an i32).
var (
	apacheBinary  = unhex("80010001000000044563686f0000000702000101030002fd060003fed4080005000186a00a0014ffffff0000000000040015400a0000000000000b00160000000668c3a96c6c6f0f0017080000000300000001fffffffe000000030e00180b0000001400000001300000000131000000013200000001330000000134000000013500000001360000000137000000013800000001390000000231300000000231310000000231320000000231330000000231340000000231350000000231360000000231370000000231380000000231390d00190b0a00000001000000016100000000000000010d001a0b0a0000000010001b0102030405060708090a0b0c0d0e0f100c001c02000100000f001d02000000020100080003ffffffff000b00010000000e6e6f2073756368206d6574686f640800020000000100")
	apacheCompact = unhex("822107044563686f1113fd14d70425c09a0cf6ffffffffff3f170000000000000a40180668c3a96c6c6f19350203061af81401300131013201330134013501360137013801390231300231310231320231330231340231350231360231370231380231391b01860161021b001d0102030405060708090a0b0c0d0e0f101c12001921010205060100180e6e6f2073756368206d6574686f64150200")
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

type inner struct {
	B bool `thrift:"b,1"`
}

// goldenArgs is the golden message's args as a struct, tagged as Apache's
// generator tags (and one field as Kitex's, with frugal's type).
type goldenArgs struct {
	Flag  bool             `thrift:"flag,1"`
	B     int8             `thrift:"b,2"`
	S16   int16            `thrift:"s16,3"`
	S32   int32            `thrift:"s32,5"`
	S64   int64            `thrift:"s64,20"`
	D     float64          `thrift:"d,21"`
	Str   string           `thrift:"str,22"`
	L     []int32          `thrift:"l,23"`
	Set   []string         `thrift:"set,24" frugal:"24,default,set<string>"`
	M     map[string]int64 `thrift:"m,25"`
	Empty map[string]int64 `thrift:"empty,26"`
	U     [16]byte         `thrift:"u,27"`
	In    *inner           `thrift:"in,28"`
	Bools []bool           `thrift:"bools,29"`
}

func wantGolden() goldenArgs {
	var set []string
	for i := range 20 {
		set = append(set, strconv.Itoa(i))
	}
	return goldenArgs{Flag: true, B: -3, S16: -300, S32: 100000, S64: -1 << 40, D: 3.25, Str: "héllo",
		L: []int32{1, -2, 3}, Set: set, M: map[string]int64{"a": 1}, Empty: map[string]int64{},
		U: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, In: &inner{B: false}, Bools: []bool{true, false}}
}

// What Apache wrote decodes to the values it was given; the second field 3,
// an i32 where the struct has an i16, is skipped as Apache's reader would.
func TestDecodeApache(t *testing.T) {
	for _, tt := range []struct {
		proto codec.Protocol
		in    []byte
		hdr   func([]byte) int
	}{
		{codec.Binary, apacheBinary, func(b []byte) int { _, _, _, n := tw.Binary.ConsumeMessageBegin(b, false); return n }},
		{codec.Compact, apacheCompact, func(b []byte) int { _, _, _, n := tw.Compact.ConsumeMessageBegin(b); return n }},
	} {
		var got goldenArgs
		in := tt.in[tt.hdr(tt.in):]
		n, err := codec.Options{Protocol: tt.proto}.Consume(in, &got)
		if err != nil {
			t.Fatalf("protocol %d: %v", tt.proto, err)
		}
		if want := wantGolden(); !reflect.DeepEqual(got, want) {
			t.Fatalf("protocol %d:\n%+v\nwant\n%+v", tt.proto, got, want)
		}
		// What follows the args is the exception the golden ends with.
		if e, m := exceptionAt(tt.proto, in[n:]); m != len(in)-n || e.Type != tw.UnknownMethod {
			t.Errorf("protocol %d: %d bytes after the args, %+v", tt.proto, len(in)-n, e)
		}
	}
}

func exceptionAt(p codec.Protocol, b []byte) (*tw.ApplicationException, int) {
	if p == codec.Compact {
		return tw.Compact.ConsumeApplicationException(b)
	}
	return tw.Binary.ConsumeApplicationException(b)
}

var protocols = []codec.Protocol{codec.Binary, codec.Compact}

// Encoding the golden values and decoding them again gives them back, and
// Size says what Marshal writes.
func TestGoldenRoundTrip(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		v := wantGolden()
		b, err := o.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := o.Size(&v); n != len(b) {
			t.Errorf("protocol %d: Size %d, Marshal wrote %d", p, n, len(b))
		}
		var got goldenArgs
		if err := o.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, v) {
			t.Fatalf("protocol %d: %v\n%+v", p, err, got)
		}
	}
}

// A prefix of an encoding is an error, never a panic.
func TestDecodeTruncated(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		v := wantGolden()
		b, _ := o.Marshal(&v)
		for i := range len(b) {
			var got goldenArgs
			if err := o.Unmarshal(b[:i], &got); !errors.Is(err, tw.ErrTruncated) {
				t.Fatalf("protocol %d, %d of %d bytes: %v", p, i, len(b), err)
			}
		}
	}
}

func TestMarshalAppendGrowsOnce(t *testing.T) {
	v := wantGolden()
	b, err := codec.Options{}.MarshalAppend([]byte("prefix"), &v)
	if err != nil || !bytes.HasPrefix(b, []byte("prefix")) || cap(b) != len(b) {
		t.Fatalf("len %d cap %d, %v", len(b), cap(b), err)
	}
}

// A Codec codes as Options do, without the per-call lookup, and allocates
// nothing to encode.
func TestCodecFor(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		c, err := codec.For[goldenArgs](o)
		if err != nil {
			t.Fatal(err)
		}
		v := wantGolden()
		want, _ := o.Marshal(&v)
		got, err := c.MarshalAppend(nil, &v)
		if err != nil || len(got) != len(want) { // maps make the bytes' order vary
			t.Fatalf("protocol %d: %d bytes, want %d, %v", p, len(got), len(want), err)
		}
		if n, _ := c.Size(&v); n != len(got) {
			t.Errorf("Size %d, encoded %d", n, len(got))
		}
		var back goldenArgs
		if err := c.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("protocol %d: %v", p, err)
		}
	}
	type bad struct {
		C chan int `thrift:"c,1"`
	}
	if _, err := codec.For[bad](codec.Options{}); !errors.Is(err, codec.ErrType) {
		t.Errorf("For of a bad type: %v", err)
	}
}
