package codec

import (
	"bytes"
	"math"
	"reflect"
	"testing"

	"github.com/ringwire/ringwire/codec"
	kx "github.com/ringwire/ringwire/fuzz/codec/internal/kitexcompat"
)

// kitexEverything is everything() as Kitex's generator makes the types:
// enums are int64 types, typedefs aliases, InitDefault sets defaults.
func kitexEverything() *kx.Everything {
	return &kx.Everything{
		B: true, N8: -8, N16: -1600, N32: 1 << 30, N64: -1 << 60, Dbl: math.Pi,
		Str: "héllo", Bin: []byte{0, 1, 2, 0xff}, Color: kx.Color_BLUE, Ms: 1733300000000, Name: "name",
		Ints: []int32{1, -1, math.MaxInt32, math.MinInt32}, Tags: []string{"a", "b"},
		Counts: map[string]int64{"x": 7}, Leaves: []*kx.Leaf{{X: 1, Label: ptr("one")}, {X: 2}},
		ById: map[int32]*kx.Leaf{3: {X: 3}}, Opt: &kx.Leaf{X: -1}, OptInt: ptr(int32(0)), OptStr: ptr(""),
		OptList: []string{}, Req: 21, Choice: &kx.Choice{Leaf: &kx.Leaf{X: 22}}, OptColor: ptr(kx.Color_GREEN),
		Nested: [][]int32{{1}, {}, {2, 3}}, Deep: map[string][]*kx.Leaf{"k": {{X: 25}}},
		WithDefault: 42, StrDefault: "hi", OptBin: []byte{}, Colors: []kx.Color{kx.Color_RED, 99},
		ReqLeaf: &kx.Leaf{X: 30},
	}
}

func kitexWrite(v interface {
	BLength() int
	FastWrite([]byte) int
}) []byte {
	b := make([]byte, v.BLength())
	return b[:v.FastWrite(b)]
}

// Kitex's generated fast codec and ringwire read each other's bytes
// (binary: Kitex's fast codec has no compact). The bytes differ in order
// only: Kitex writes the fixed-size fields first; ringwire writes by id,
// as Apache does, and its bytes equal Apache's for the same value.
func TestKitexCompat(t *testing.T) {
	v := kitexEverything()
	theirs := kitexWrite(v)
	ours, err := codec.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(ours) != len(theirs) {
		t.Fatalf("%d bytes, Kitex %d", len(ours), len(theirs))
	}
	apache, err := apacheWrite(protocols[0], everything())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, apache) {
		t.Fatalf("Kitex's struct and Apache's encode apart:\nkitex  %x\napache %x", ours, apache)
	}
	var a, b kx.Everything
	if err := codec.Unmarshal(theirs, &a); err != nil || !reflect.DeepEqual(&a, v) {
		t.Fatalf("ringwire reads Kitex's: %v\n got %+v\nwant %+v", err, &a, v)
	}
	if n, err := b.FastRead(ours); err != nil || n != len(ours) || !reflect.DeepEqual(&b, v) {
		t.Fatalf("Kitex reads ringwire's (%d of %d bytes): %v\n got %+v\nwant %+v", n, len(ours), err, &b, v)
	}
}

// Kitex writes a nil struct field that is not optional as an empty struct;
// ringwire leaves it out (so that nil reads back as nil). Each reads the
// other's; Kitex's empty struct reads back as a non-nil empty value.
func TestKitexNilStruct(t *testing.T) {
	v := kitexEverything()
	v.Choice = nil
	theirs := kitexWrite(v)
	var a kx.Everything
	if err := codec.Unmarshal(theirs, &a); err != nil || a.Choice == nil || *a.Choice != (kx.Choice{}) {
		t.Fatalf("ringwire reads Kitex's empty struct: %v %+v", err, a.Choice)
	}
	ours, _ := codec.Marshal(v)
	var b kx.Everything
	if _, err := b.FastRead(ours); err != nil || b.Choice != nil {
		t.Fatalf("Kitex reads ringwire's: %v %+v", err, b.Choice)
	}
}

func TestKitexSets(t *testing.T) {
	v := &kx.Sets{Plain: []int32{1}, Marked: []int32{2, 3}}
	ours, err := codec.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if theirs := kitexWrite(v); !bytes.Equal(ours, theirs) {
		t.Fatalf("sets:\nringwire %x\nkitex    %x", ours, theirs)
	}
	var k kx.Sets
	if _, err := k.FastRead(ours); err != nil || !reflect.DeepEqual(&k, v) {
		t.Fatalf("Kitex reads ringwire's sets: %v %+v", err, &k)
	}
}

// InitDefault, which Kitex generates, sets the IDL's defaults on each
// struct a decode allocates before its fields are read: absent fields keep
// them, fields on the wire replace them.
func TestKitexDefaults(t *testing.T) {
	type holder struct {
		E *kx.Everything `thrift:"e,1" frugal:"1,default,Everything"`
	}
	var w []byte
	w = append(w, 0x0c, 0, 1)                          // field 1: Everything
	w = append(w, 0x0a, 0, 21, 0, 0, 0, 0, 0, 0, 0, 1) // req = 1
	w = append(w, 0x0c, 0, 30, 0)                      // reqLeaf = {}
	w = append(w, 0, 0)                                // stops
	var h holder
	if err := codec.Unmarshal(w, &h); err != nil || h.E.WithDefault != 42 || h.E.StrDefault != "hi" || h.E.Req != 1 {
		t.Fatalf("absent fields: %v %+v", err, h.E)
	}
	v := kitexEverything()
	v.WithDefault, v.StrDefault = 0, ""
	b, err := codec.Marshal(&holder{E: v})
	if err != nil {
		t.Fatal(err)
	}
	h = holder{}
	if err := codec.Unmarshal(b, &h); err != nil || h.E.WithDefault != 0 || h.E.StrDefault != "" {
		t.Fatalf("fields on the wire: %v %+v", err, h.E)
	}
}
