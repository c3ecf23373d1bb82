package codec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	ap "github.com/ringwire/ringwire/fuzz/codec/internal/apachecompat"
)

// A protocol as each side names it.
type protocol struct {
	name string
	opts codec.Options
	wire interface {
		SkipValue([]byte, tw.Type, int) int
	}
	apache func(thrift.TTransport) thrift.TProtocol
}

var protocols = []protocol{
	{"binary", codec.Options{}, tw.Binary, func(t thrift.TTransport) thrift.TProtocol {
		return thrift.NewTBinaryProtocolConf(t, &thrift.TConfiguration{})
	}},
	{"compact", codec.Options{Protocol: codec.Compact}, tw.Compact, func(t thrift.TTransport) thrift.TProtocol {
		return thrift.NewTCompactProtocolConf(t, &thrift.TConfiguration{})
	}},
}

func apacheWrite(p protocol, v thrift.TStruct) ([]byte, error) {
	buf := thrift.NewTMemoryBuffer()
	if err := v.Write(context.Background(), p.apache(buf)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// apacheRead decodes in with Apache's generated Read and says how many
// bytes it took (its protocols read the memory buffer unbuffered).
func apacheRead(p protocol, in []byte, v thrift.TStruct) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("apache panicked: %v", r)
		}
	}()
	buf := &thrift.TMemoryBuffer{Buffer: bytes.NewBuffer(in)}
	err = v.Read(context.Background(), p.apache(buf))
	return len(in) - buf.Len(), err
}

func ptr[T any](v T) *T { return &v }

// everything sets every field; maps hold one entry each so that the two
// encoders' bytes can be compared (map order is random).
func everything() *ap.Everything {
	return &ap.Everything{
		B: true, N8: -8, N16: -1600, N32: 1 << 30, N64: -1 << 60, Dbl: math.Pi,
		Str: "héllo", Bin: []byte{0, 1, 2, 0xff}, Color: ap.Color_BLUE, Ms: 1733300000000, Name: "name",
		Ints: []int32{1, -1, math.MaxInt32, math.MinInt32}, Tags: []string{"a", "b"},
		Counts: map[string]int64{"x": 7}, Leaves: []*ap.Leaf{{X: 1, Label: ptr("one")}, {X: 2}},
		ById: map[int32]*ap.Leaf{3: {X: 3}}, Opt: &ap.Leaf{X: -1}, OptInt: ptr(int32(0)), OptStr: ptr(""),
		OptList: []string{}, Req: 21, Choice: &ap.Choice{Leaf: &ap.Leaf{X: 22}}, OptColor: ptr(ap.Color_GREEN),
		Nested: [][]int32{{1}, {}, {2, 3}}, Deep: map[string][]*ap.Leaf{"k": {{X: 25}}},
		WithDefault: 42, StrDefault: "hi", OptBin: []byte{}, Colors: []ap.Color{ap.Color_RED, 99},
		ReqLeaf: &ap.Leaf{X: 30},
	}
}

// compatValues are values both Apache's generated Write and ringwire can
// write: Apache writes every non-optional field and so needs its struct
// and union fields set.
func compatValues() map[string]*ap.Everything {
	minimal := &ap.Everything{Ints: []int32{}, Tags: []string{}, Counts: map[string]int64{}, Leaves: []*ap.Leaf{},
		ById: map[int32]*ap.Leaf{}, Choice: &ap.Choice{Num: ptr(int64(0))}, Nested: [][]int32{},
		Deep: map[string][]*ap.Leaf{}, Colors: []ap.Color{}, Bin: []byte{}, ReqLeaf: &ap.Leaf{}}
	text := everything()
	text.Choice = &ap.Choice{Text: ptr("union")}
	text.Opt, text.OptInt, text.OptStr, text.OptList, text.OptColor, text.OptBin = nil, nil, nil, nil, nil, nil
	return map[string]*ap.Everything{"everything": everything(), "minimal": minimal, "unset optionals": text}
}

// Apache's generated code and ringwire write the same bytes for the same
// value, and each reads the other's, in both protocols.
func TestApacheCompat(t *testing.T) {
	for _, p := range protocols {
		for name, v := range compatValues() {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				theirs, err := apacheWrite(p, v)
				if err != nil {
					t.Fatal(err)
				}
				ours, err := p.opts.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ours, theirs) {
					t.Fatalf("encodings differ:\nringwire %x\napache   %x", ours, theirs)
				}
				var a, b ap.Everything
				if err := p.opts.Unmarshal(theirs, &a); err != nil || !reflect.DeepEqual(&a, v) {
					t.Fatalf("ringwire reads Apache's: %v\n got %+v\nwant %+v", err, &a, v)
				}
				if n, err := apacheRead(p, ours, &b); err != nil || n != len(ours) || !reflect.DeepEqual(&b, v) {
					t.Fatalf("Apache reads ringwire's (%d of %d bytes): %v\n got %+v\nwant %+v", n, len(ours), err, &b, v)
				}
			})
		}
	}
}

// Values whose maps hold many entries: equal after a trip through the
// other side, though the bytes differ in map order.
func TestApacheCompatMaps(t *testing.T) {
	v := everything()
	for i := range 50 {
		v.Counts[fmt.Sprint("k", i)] = int64(i)
		v.ById[int32(i)] = &ap.Leaf{X: int32(i)}
	}
	for _, p := range protocols {
		theirs, err := apacheWrite(p, v)
		if err != nil {
			t.Fatal(err)
		}
		var a, b ap.Everything
		if err := p.opts.Unmarshal(theirs, &a); err != nil || !reflect.DeepEqual(&a, v) {
			t.Fatalf("%s: ringwire reads Apache's: %v", p.name, err)
		}
		ours, _ := p.opts.Marshal(v)
		if _, err := apacheRead(p, ours, &b); err != nil || !reflect.DeepEqual(&b, v) {
			t.Fatalf("%s: Apache reads ringwire's: %v", p.name, err)
		}
	}
}

// A missing required field is an error on both sides, and ringwire's names
// it.
func TestApacheRequired(t *testing.T) {
	for _, p := range protocols {
		v := everything()
		v.ReqLeaf = nil
		if _, err := p.opts.Marshal(v); !errors.Is(err, codec.ErrRequired) || !strings.Contains(err.Error(), "ReqLeaf") {
			t.Fatalf("%s: encoding a nil required struct: %v", p.name, err)
		}
		// Writing the struct without field 30 by hand: drop its bytes.
		v.ReqLeaf = &ap.Leaf{}
		full, _ := p.opts.Marshal(v)
		b := withoutReqLeaf(t, p, full)
		var a, c ap.Everything
		if err := p.opts.Unmarshal(b, &a); !errors.Is(err, codec.ErrRequired) || !strings.Contains(err.Error(), "ReqLeaf") {
			t.Fatalf("%s: ringwire decoding without field 30: %v", p.name, err)
		}
		if _, err := apacheRead(p, b, &c); err == nil {
			t.Fatalf("%s: Apache decoded without field 30", p.name)
		}
	}
}

// withoutReqLeaf drops field 30, the last a full Everything writes (an
// empty Leaf), from its encoding: its header (3 bytes in binary, 1 in
// compact: the id is one past 29's) and the Leaf's bytes before the stop.
func withoutReqLeaf(t *testing.T, p protocol, in []byte) []byte {
	t.Helper()
	leaf, err := p.opts.Marshal(&ap.Leaf{})
	if err != nil {
		t.Fatal(err)
	}
	header := 3
	if p.name == "compact" {
		header = 1
	}
	end := len(in) - 1
	return append(in[:end-len(leaf)-header:end-len(leaf)-header], in[end:]...)
}

// FuzzApacheBinary and FuzzApacheCompact decode the same bytes with
// ringwire and Apache Thrift v0.22.0's generated code (Debian's
// thrift-compiler 0.17.0 over compat.thrift): same decision, same bytes
// taken, equal values.
func FuzzApacheBinary(f *testing.F)  { fuzzApache(f, protocols[0]) }
func FuzzApacheCompact(f *testing.F) { fuzzApache(f, protocols[1]) }

func fuzzApache(f *testing.F, p protocol) {
	for _, v := range compatValues() {
		b, err := p.opts.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if err := tw.ParseError(p.wire.SkipValue(in, tw.Struct, 64)); err == tw.ErrTruncated || err == tw.ErrNegative {
			// Apache's generated code makes a container the size its
			// count claims before it reads an element (bounded only by
			// its 100 MB message limit): input whose counts its bytes
			// cannot hold is not given to it.
			return
		}
		if setOutsideTags(p, in) {
			// Apache's tags cannot say set or list, so ringwire reads a
			// set into any slice field but Tags (marked a set by its
			// frugal tag); Apache's reader skips a set where it expects
			// a list. TestApacheSets covers the difference.
			return
		}
		var ours, theirs ap.Everything
		n, err := p.opts.Consume(in, &ours)
		m, aerr := apacheRead(p, in, &theirs)
		if aerr != nil && strings.HasPrefix(aerr.Error(), "apache panicked") {
			t.Fatalf("Apache panicked (not a ringwire fault, but new): %v\n%x", aerr, in)
		}
		if err != nil && aerr == nil {
			switch {
			case errors.Is(err, tw.ErrType):
				// A non-empty container whose element types are not the
				// field's, or no type at all: Apache's generated code
				// ignores the header's types and reads the declared ones
				// from whatever bytes follow; ringwire refuses. (Where
				// the type is a field's, Apache refuses an unknown one
				// too, so this is the only way both get here.)
				return
			case errors.Is(err, codec.ErrUnion):
				// Apache's generated union reader keeps every field it
				// is given; ringwire refuses a second (Apache refuses it
				// only when writing).
				return
			case errors.Is(err, tw.ErrOverflow) && p.name == "compact":
				// Apache reads a compact i32 (and any length or count)
				// as a 64-bit varint cut to 32 bits; ringwire refuses
				// one that does not fit, as Apache's C++ and Java do.
				return
			}
		}
		if (err == nil) != (aerr == nil) {
			t.Fatalf("ringwire: %v\napache: %v\n%x", err, aerr, in)
		}
		if err != nil {
			return
		}
		if n != m || !equalEverything(&ours, &theirs) {
			t.Fatalf("%d and %d bytes:\nringwire %+v\napache   %+v\n%x", n, m, &ours, &theirs, in)
		}
		// Round trip: what ringwire decoded, it encodes, and Apache reads
		// that back as the value it decoded itself.
		re, err := p.opts.Marshal(&ours)
		if err != nil {
			t.Fatalf("re-encoding a decoded value: %v\n%x", err, in)
		}
		var back ap.Everything
		if k, err := apacheRead(p, re, &back); err != nil || k != len(re) || !equalEverything(emptied(&back), emptied(&theirs)) {
			t.Fatalf("Apache reading ringwire's re-encoding (%d of %d bytes): %v\n%x", k, len(re), err, in)
		}
	})
}

// equalEverything is reflect.DeepEqual with a NaN equal to itself.
func equalEverything(a, b *ap.Everything) bool {
	if math.IsNaN(a.Dbl) && math.IsNaN(b.Dbl) && math.Float64bits(a.Dbl) == math.Float64bits(b.Dbl) {
		x, y := *a, *b
		x.Dbl, y.Dbl = 0, 0
		return reflect.DeepEqual(&x, &y)
	}
	return reflect.DeepEqual(a, b)
}

// setOutsideTags says whether in holds a set anywhere but as the type of
// Everything's field 13.
func setOutsideTags(p protocol, in []byte) bool {
	w := setWalker{compact: p.name == "compact"}
	w.value(in, tw.Struct, 64, true)
	return w.found
}

type setWalker struct {
	compact bool
	found   bool
}

// value walks a value of type t and returns its size, or -1 where in is
// malformed (the decoders will say so).
func (w *setWalker) value(in []byte, t tw.Type, depth int, top bool) int {
	if depth == 0 {
		return -1
	}
	switch t {
	case tw.Struct:
		n, last := 0, int16(0)
		for {
			var (
				ft       tw.Type
				id       int16
				m        int
				inHeader bool
			)
			if w.compact {
				ft, id, _, m = tw.Compact.ConsumeFieldBegin(in[n:], last)
				inHeader = ft == tw.Bool
			} else {
				ft, id, m = tw.Binary.ConsumeFieldBegin(in[n:])
			}
			if m < 0 {
				return -1
			}
			n += m
			if ft == tw.Stop {
				return n
			}
			last = id
			if ft == tw.Set && !(top && id == 13) {
				w.found = true
			}
			if inHeader {
				continue
			}
			if ft == tw.Set {
				ft = tw.List // walk its elements
			}
			if m = w.value(in[n:], ft, depth-1, false); m < 0 {
				return -1
			}
			n += m
		}
	case tw.List, tw.Set:
		var (
			et       tw.Type
			count, n int
		)
		if w.compact {
			et, count, n = tw.Compact.ConsumeListBegin(in)
		} else {
			et, count, n = tw.Binary.ConsumeListBegin(in)
		}
		if n < 0 {
			return -1
		}
		if et == tw.Set && count > 0 {
			w.found = true
		}
		for range count {
			m := w.value(in[n:], et, depth-1, false)
			if m < 0 {
				return -1
			}
			n += m
		}
		return n
	case tw.Map:
		var (
			kt, vt   tw.Type
			count, n int
		)
		if w.compact {
			kt, vt, count, n = tw.Compact.ConsumeMapBegin(in)
		} else {
			kt, vt, count, n = tw.Binary.ConsumeMapBegin(in)
		}
		if n < 0 {
			return -1
		}
		if (kt == tw.Set || vt == tw.Set) && count > 0 {
			w.found = true
		}
		for range count {
			for _, t := range [2]tw.Type{kt, vt} {
				m := w.value(in[n:], t, depth-1, false)
				if m < 0 {
					return -1
				}
				n += m
			}
		}
		return n
	}
	if w.compact {
		return tw.Compact.SkipValue(in, t, depth)
	}
	return tw.Binary.SkipValue(in, t, depth)
}

// A set Apache's generated struct does not mark (its Go type is a slice,
// its tag says nothing) is read from Apache's bytes but written as a
// list, which Apache's reader skips; one marked with a frugal tag through
// the IDL's go.tag annotation goes both ways.
func TestApacheSets(t *testing.T) {
	for _, p := range protocols {
		v := &ap.Sets{Plain: []int32{1, 2}, Marked: []int32{3}}
		theirs, err := apacheWrite(p, v)
		if err != nil {
			t.Fatal(err)
		}
		var a ap.Sets
		if err := p.opts.Unmarshal(theirs, &a); err != nil || !reflect.DeepEqual(&a, v) {
			t.Fatalf("%s: ringwire reads Apache's sets: %v %+v", p.name, err, &a)
		}
		ours, err := p.opts.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var b ap.Sets
		if _, err := apacheRead(p, ours, &b); err != nil || b.Plain != nil || !reflect.DeepEqual(b.Marked, v.Marked) {
			t.Fatalf("%s: Apache reads ringwire's sets: %v %+v", p.name, err, &b)
		}
		var c ap.Sets
		if err := p.opts.Unmarshal(ours, &c); err != nil || !reflect.DeepEqual(&c, v) {
			t.Fatalf("%s: ringwire reads its own: %v %+v", p.name, err, &c)
		}
	}
}

// emptied sets the nil slices and maps of v's fields that are not optional
// to empty ones: such a field absent from the input reads as nil, and is
// written (by Apache's generated code and by ringwire alike) as empty.
func emptied(v *ap.Everything) *ap.Everything {
	c := *v
	rv := reflect.ValueOf(&c).Elem()
	for i := range rv.NumField() {
		f, sf := rv.Field(i), rv.Type().Field(i)
		if strings.Contains(sf.Tag.Get("json"), "omitempty") {
			continue // optional: nil is unset
		}
		switch f.Kind() {
		case reflect.Slice:
			if f.IsNil() {
				f.Set(reflect.MakeSlice(f.Type(), 0, 0))
			}
		case reflect.Map:
			if f.IsNil() {
				f.Set(reflect.MakeMap(f.Type()))
			}
		}
	}
	return &c
}
