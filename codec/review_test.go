package codec_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"unsafe"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// Findings of the review session, each pinned.

// Scalars carved from the arena are aligned in absolute terms, whatever
// small chunk a short string made first.
func TestArenaAlignment(t *testing.T) {
	type s struct {
		S string `thrift:"s,1"`
		P *int32 `thrift:"p,2"`
		Q *int64 `thrift:"q,3"`
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		b, _ := o.Marshal(&s{S: "a", P: ptr(int32(1)), Q: ptr(int64(2))})
		var keep [][]byte
		for i := range 1000 {
			keep = append(keep, make([]byte, i%15+1)) // move the tiny allocator along
			var v s
			if err := o.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			if uintptr(unsafe.Pointer(v.P))%4 != 0 || uintptr(unsafe.Pointer(v.Q))%8 != 0 {
				t.Fatalf("protocol %d: *int32 at %p, *int64 at %p", p, v.P, v.Q)
			}
		}
		runtime.KeepAlive(keep)
	}
}

// A nil required list or map is written empty, as generated code writes
// it; only a nil required struct pointer is an error.
func TestRequiredNilContainers(t *testing.T) {
	type req struct {
		L []int64          `thrift:"l,1,required"`
		M map[string]int32 `thrift:"m,2,required"`
		B []byte           `thrift:"b,3,required"`
	}
	b, err := codec.Marshal(&req{})
	want := []byte{0x0f, 0, 1, 0x0a, 0, 0, 0, 0, 0x0d, 0, 2, 0x0b, 0x08, 0, 0, 0, 0, 0x0b, 0, 3, 0, 0, 0, 0, 0}
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("%x, %v\nwant %x", b, err, want)
	}
}

// A map whose tag makes its []byte values lists is not given to the typed
// coder, which would write them as binaries.
func TestFastMapHonoursDescriptor(t *testing.T) {
	type m struct {
		M map[string][]byte `frugal:"1,default,map<string:list<byte>>"`
	}
	b, err := codec.Marshal(&m{M: map[string][]byte{"k": {7, 8}}})
	want := []byte{0x0d, 0, 1, 0x0b, 0x0f, 0, 0, 0, 1, 0, 0, 0, 1, 'k', 0x03, 0, 0, 0, 2, 7, 8, 0}
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("%x, %v\nwant %x", b, err, want)
	}
}

// Apache marks optional fields only with json's omitempty: a nil one is
// not written. An optional nil binary is not written either; an empty one
// decodes set, not nil.
func TestOptionalAsApacheWritesIt(t *testing.T) {
	type apacheQuery struct { // as Apache's generator tags a union {1: i64 id, 2: list<string> names}
		ID    *int64   `thrift:"id,1" db:"id" json:"id,omitempty"`
		Names []string `thrift:"names,2" db:"names" json:"names,omitempty"`
		Blob  []byte   `thrift:"blob,3" db:"blob" json:"blob,omitempty"`
	}
	b, _ := codec.Marshal(&apacheQuery{ID: ptr(int64(5))})
	if want := []byte{0x0a, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0}; !bytes.Equal(b, want) {
		t.Errorf("%x, want %x", b, want)
	}
	type kitexOpt struct {
		Blob []byte `thrift:"blob,1,optional" frugal:"1,optional,binary"`
	}
	if b, _ := codec.Marshal(&kitexOpt{}); !bytes.Equal(b, []byte{0}) {
		t.Errorf("a nil optional binary written: %x", b)
	}
	var v kitexOpt
	if err := codec.Unmarshal([]byte{0x0b, 0, 1, 0, 0, 0, 0, 0}, &v); err != nil || v.Blob == nil {
		t.Errorf("an empty binary decoded unset: %v", err)
	}
}

// A union with a value field writes the set field only.
func TestUnionValueField(t *testing.T) {
	b, err := codec.Marshal(&valUnion{S: ptr("x")})
	var back valUnion
	if err != nil || codec.Unmarshal(b, &back) != nil || back.N != 0 || *back.S != "x" {
		t.Fatalf("%x, %v", b, err)
	}
}

type valUnion struct {
	N int32   `thrift:"n,1"`
	S *string `thrift:"s,2"`
}

func (*valUnion) CountSetFieldsvalUnion() int { return 0 }

func TestTooManyRequired(t *testing.T) {
	if _, err := codec.Marshal(&manyRequired{}); !errors.Is(err, codec.ErrTag) {
		t.Errorf("257 required fields: %v", err)
	}
}

// Decoding allocates fresh values for pointers: a copy of the struct
// decoded into keeps what it pointed to; kept unknown fields too.
func TestDecodeLeavesCopiesAlone(t *testing.T) {
	type node struct {
		N    *int32 `thrift:"n,1"`
		Name string `thrift:"name,2"`
	}
	var v node
	codec.Unmarshal(mustMarshal(t, &node{N: ptr(int32(1))}), &v)
	kept := v
	codec.Unmarshal(mustMarshal(t, &node{N: ptr(int32(2))}), &v)
	if *kept.N != 1 || *v.N != 2 {
		t.Errorf("kept copy sees %d", *kept.N)
	}
	var o older
	codec.Unmarshal(mustMarshal(t, &newer{B: "first"}), &o)
	keptO := o
	codec.Unmarshal(mustMarshal(t, &newer{B: "other"}), &o)
	var back newer
	if err := codec.Unmarshal(mustMarshal(t, &keptO), &back); err != nil || back.B != "first" {
		t.Errorf("kept unknown fields changed: %q, %v", back.B, err)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := codec.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A nil element of a list of structs with required fields is an encode
// error, not bytes that will not decode.
func TestNilElementWithRequired(t *testing.T) {
	type l struct {
		L []*Medium `thrift:"l,1"`
	}
	if _, err := codec.Marshal(&l{L: []*Medium{nil}}); !errors.Is(err, codec.ErrRequired) {
		t.Errorf("%v", err)
	}
}

func TestCodecNil(t *testing.T) {
	c, _ := codec.For[Item](codec.Options{})
	if _, err := c.Size(nil); !errors.Is(err, codec.ErrType) {
		t.Errorf("Size(nil): %v", err)
	}
	if err := c.Unmarshal([]byte{0}, nil); !errors.Is(err, codec.ErrType) {
		t.Errorf("Unmarshal(nil): %v", err)
	}
}

// A nil pointer to a scalar in a list encodes as the zero value without an
// allocation.
func TestNilScalarPointerElement(t *testing.T) {
	type l struct {
		L []*int64 `thrift:"l,1"`
	}
	v := &l{L: []*int64{nil, ptr(int64(3))}}
	buf := make([]byte, 0, 64)
	var err error
	n := testing.AllocsPerRun(100, func() { _, err = codec.Options{}.MarshalAppend(buf[:0], v) })
	b, _ := codec.Marshal(v)
	want := tw.Binary.AppendI64(tw.Binary.AppendI64(tw.Binary.AppendListBegin(tw.Binary.AppendFieldBegin(nil, tw.List, 1), tw.I64, 2), 0), 3)
	if err != nil || n != 0 || !bytes.Equal(b, append(want, 0)) {
		t.Errorf("%.0f allocations, %x, %v", n, b, err)
	}
}

// A list's backing is not made at the size its count claims when the
// elements' Go memory dwarfs their encoding: 20 KB of input claiming 20,000
// wide structs, the first of them bad, allocates far less than 20 MB.
func TestListAmplificationBounded(t *testing.T) {
	type wideList struct {
		L []wideNoA `thrift:"l,1"`
	}
	in := tw.Binary.AppendListBegin(tw.Binary.AppendFieldBegin(nil, tw.List, 1), tw.Struct, 20000)
	in = append(in, 0x7f) // a bad field type in the first element
	in = append(in, make([]byte, 20000)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := codec.Unmarshal(in, new(wideList))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, tw.ErrType) {
		t.Fatalf("%v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 2<<20 {
		t.Errorf("allocated %d bytes for 20 KB of input", grew)
	}
}

type wideNoA struct {
	Pad [128]int64 // not coded: only memory
	N   int32      `thrift:"n,1"`
}

// Past the budget the backing grows as elements arrive, and every element
// is there.
func TestListGrowsPastBudget(t *testing.T) {
	type wideList struct {
		L []wideNoA  `thrift:"l,1"`
		P []*wideNoA `thrift:"p,2"`
	}
	v := &wideList{}
	for i := range 3000 { // 3 MB of Go memory, about 20 KB on the wire
		v.L = append(v.L, wideNoA{N: int32(i)})
		v.P = append(v.P, &wideNoA{N: int32(-i)})
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		b, err := o.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var got wideList
		if err := o.Unmarshal(b, &got); err != nil || len(got.L) != 3000 || len(got.P) != 3000 {
			t.Fatalf("protocol %d: %d and %d elements, %v", p, len(got.L), len(got.P), err)
		}
		for i := range 3000 {
			if got.L[i].N != int32(i) || got.P[i].N != int32(-i) {
				t.Fatalf("protocol %d: element %d is %d, %d", p, i, got.L[i].N, got.P[i].N)
			}
		}
	}
}

// A map's size hint is bounded as a list's backing is.
func TestMapAmplificationBounded(t *testing.T) {
	type wideMap struct {
		M map[int32]wideNoA `thrift:"m,1"`
	}
	in := tw.Binary.AppendMapBegin(tw.Binary.AppendFieldBegin(nil, tw.Map, 1), tw.I32, tw.Struct, 4000)
	in = append(in, 0, 0, 0, 1, 0x7f) // key 1, then a bad field type in its value
	in = append(in, make([]byte, 20000)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := codec.Unmarshal(in, new(wideMap))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, tw.ErrType) {
		t.Fatalf("%v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 2<<20 {
		t.Errorf("allocated %d bytes for 20 KB of input", grew)
	}
}
