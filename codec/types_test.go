package codec_test

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// Status is an enum as Apache and Kitex generate one: a named int64 with a
// String method and a text marshaler. It is an i32 on the wire.
type Status int64

func (s Status) String() string               { return [...]string{"OK", "FAIL"}[s] }
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Millis is a typedef of i64: no methods, an i64 on the wire.
type Millis int64

type Item struct {
	ID   int64    `thrift:"id,1" frugal:"1,default,i64"`
	Name string   `thrift:"name,2" frugal:"2,default,string"`
	Tags []int64  `thrift:"tags,3" frugal:"3,default,list<i64>"`
	Note *string  `thrift:"note,4,optional" frugal:"4,optional,string"`
	Kind Status   `thrift:"kind,5" frugal:"5,default,Status"`
	Blob []byte   `thrift:"blob,6" frugal:"6,default,binary"`
	At   Millis   `thrift:"at,7" frugal:"7,default,i64"`
	Next *Item    `thrift:"next,8,optional" frugal:"8,optional,Item"`
	Flag *bool    `thrift:"flag,9,optional" frugal:"9,optional,bool"`
	UUID [16]byte `thrift:"uuid,10" frugal:"10,default,uuid"`
}

// Medium is RESEARCH.md's medium shape, with more: required fields, a set,
// a map of structs, structs by value and by pointer.
type Medium struct {
	Name    string              `thrift:"name,1,required" frugal:"1,required,string"`
	Count   int64               `thrift:"count,2" frugal:"2,default,i64"`
	Attrs   map[string]string   `thrift:"attrs,3" frugal:"3,default,map<string:string>"`
	Items   []*Item             `thrift:"items,4" frugal:"4,default,list<Item>"`
	Data    []byte              `thrift:"data,5" frugal:"5,default,binary"`
	Score   *float64            `thrift:"score,6,optional" frugal:"6,optional,double"`
	Seen    []int32             `thrift:"seen,7" frugal:"7,default,set<i32>"`
	ByName  map[string]*Item    `thrift:"by_name,8,optional" frugal:"8,optional,map<string:Item>"`
	Head    Item                `thrift:"head,9" frugal:"9,default,Item"`
	Status  Status              `thrift:"status,10,required"`
	I8      int8                `thrift:"i8,11"`
	I16     int16               `thrift:"i16,12"`
	Nested  [][]string          `thrift:"nested,13"`
	Weights map[int32][]float64 `thrift:"weights,14"`
	Big     int16               `thrift:"big,300"`
	Neg     int32               `thrift:"neg,-1"`
}

func ptr[T any](v T) *T { return &v }

func mediumValue() *Medium {
	// Default lists and binaries are written when nil, and read back empty.
	next := &Item{ID: 2, Name: "second", Kind: 1, Tags: []int64{}, Blob: []byte{}}
	return &Medium{
		Name: "medium", Count: -7, Attrs: map[string]string{"a": "1", "b": ""},
		Items: []*Item{
			{ID: 1, Name: "first", Tags: []int64{1, math.MaxInt64, math.MinInt64}, Note: ptr("n"), Kind: 1,
				Blob: []byte{0, 1, 2}, At: 1 << 40, Next: next, Flag: ptr(false), UUID: [16]byte{9}},
			next,
		},
		Data: make([]byte, 300), Score: ptr(2.5), Seen: []int32{3, 1, 2},
		ByName: map[string]*Item{"x": {ID: 5, Tags: []int64{}, Blob: []byte{}}},
		Head:   Item{Name: "head", Flag: ptr(true), Tags: []int64{}, Blob: []byte{}},
		Status: 1, I8: -128, I16: math.MinInt16, Nested: [][]string{{"a", "b"}, {}, {"c"}},
		Weights: map[int32][]float64{7: {1.5, -2}}, Big: 9, Neg: -9,
	}
}

func TestRoundTrip(t *testing.T) {
	for _, p := range protocols {
		for _, noCopy := range []bool{false, true} {
			o := codec.Options{Protocol: p, NoCopy: noCopy}
			v := mediumValue()
			b, err := o.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := o.Size(v); n != len(b) {
				t.Errorf("protocol %d: Size %d, Marshal %d", p, n, len(b))
			}
			got := new(Medium)
			if err := o.Unmarshal(b, got); err != nil {
				t.Fatalf("protocol %d: %v", p, err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("protocol %d, nocopy %v:\n%+v\nwant\n%+v", p, noCopy, got, v)
			}
		}
	}
}

// Wire types: the enum is an i32, the typedef an i64, the set a set.
func TestWireTypes(t *testing.T) {
	v := &Item{Kind: 1, At: 2}
	b, _ := codec.Marshal(v)
	types := map[int16]tw.Type{}
	for n := 0; ; {
		ft, id, m := tw.Binary.ConsumeFieldBegin(b[n:])
		n += m
		if ft == tw.Stop {
			break
		}
		types[id] = ft
		n += tw.Binary.SkipValue(b[n:], ft, 0)
	}
	if types[5] != tw.I32 || types[7] != tw.I64 || types[3] != tw.List || types[6] != tw.String {
		t.Errorf("wire types %v", types)
	}
	m := mediumValue()
	b, _ = codec.Marshal(m)
	if !containsField(b, 7, tw.Set) {
		t.Error("Seen is not a set")
	}
}

func containsField(b []byte, id int16, want tw.Type) bool {
	for n := 0; n < len(b); {
		ft, fid, m := tw.Binary.ConsumeFieldBegin(b[n:])
		if m < 0 || ft == tw.Stop {
			return false
		}
		n += m
		if fid == id {
			return ft == want
		}
		n += tw.Binary.SkipValue(b[n:], ft, 0)
	}
	return false
}

type recursive struct {
	V    int32      `thrift:"v,1"`
	Next *recursive `thrift:"next,2"`
}

func TestRecursiveAndDepth(t *testing.T) {
	var head *recursive
	for i := range 100 {
		head = &recursive{V: int32(i), Next: head}
	}
	b, err := (codec.Options{MaxDepth: 200}).Marshal(head)
	if err != nil {
		t.Fatal(err)
	}
	var got recursive
	if err := (codec.Options{MaxDepth: 200}).Unmarshal(b, &got); err != nil || got.V != 99 || got.Next.Next.V != 97 {
		t.Fatalf("%v", err)
	}
	err = codec.Unmarshal(b, &got) // 100 levels, past the default 64
	if !errors.Is(err, codec.ErrDepth) {
		t.Fatalf("100 levels: %v", err)
	}
	var ce *codec.Error
	if !errors.As(err, &ce) || !strings.HasPrefix(ce.Path, "recursive.Next.Next.") {
		t.Errorf("path %q", ce.Path)
	}
}

func TestRequired(t *testing.T) {
	// A Medium without field 1, its required name.
	type noName struct {
		Status Status `thrift:"status,10"`
	}
	b, _ := codec.Marshal(&noName{Status: 1})
	err := codec.Unmarshal(b, new(Medium))
	var ce *codec.Error
	if !errors.Is(err, codec.ErrRequired) || !errors.As(err, &ce) || ce.Path != "Medium.Name" {
		t.Fatalf("missing required field: %v", err)
	}
	type reqPtr struct {
		I *Item `thrift:"i,1,required"`
	}
	if _, err := codec.Marshal(&reqPtr{}); !errors.Is(err, codec.ErrRequired) {
		t.Errorf("a nil required pointer encodes: %v", err)
	}
}

func TestBadTypes(t *testing.T) {
	type dup struct {
		A int32 `thrift:"a,1"`
		B int32 `thrift:"b,1"`
	}
	type badID struct {
		A int32 `thrift:"a,x"`
	}
	type badReq struct {
		A int32 `frugal:"1,sometimes,i32"`
	}
	type badType struct {
		A int32 `frugal:"1,default,list<i32"`
	}
	type chanField struct {
		C chan int `thrift:"c,1"`
	}
	type uintField struct {
		U uint32 `thrift:"u,1"`
	}
	for _, v := range []any{&dup{}, &badID{}, &badReq{}, &badType{}, &chanField{}, &uintField{}, 5, nil, (*Item)(nil)} {
		_, err1 := codec.Marshal(v)
		err2 := codec.Unmarshal([]byte{0}, v)
		for _, err := range []error{err1, err2} {
			var ce *codec.Error
			if !errors.As(err, &ce) || !(errors.Is(err, codec.ErrTag) || errors.Is(err, codec.ErrType)) {
				t.Errorf("%T: %v", v, err)
			}
		}
	}
}

// A list whose elements have the wrong type is an error; a field whose type
// is wrong is skipped.
func TestTypeMismatch(t *testing.T) {
	type asI64 struct {
		Tags []string `thrift:"tags,3"`
		Name int32    `thrift:"name,2"`
	}
	b, _ := codec.Marshal(&asI64{Tags: []string{"x"}, Name: 5})
	var it Item
	err := codec.Unmarshal(b, &it)
	if !errors.Is(err, tw.ErrType) {
		t.Errorf("list<string> into list<i64>: %v", err)
	}
	b, _ = codec.Marshal(&asI64{Name: 5})
	if err := codec.Unmarshal(b, &it); err != nil || it.Name != "" {
		t.Errorf("i32 into a string field: %v, %q", err, it.Name)
	}
}

// A count the input cannot hold fails before anything is allocated for it.
func TestHugeCount(t *testing.T) {
	b := tw.Binary.AppendFieldBegin(nil, tw.List, 3)
	b = tw.Binary.AppendListBegin(b, tw.I64, 1<<30)
	var it Item
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := codec.Unmarshal(b, &it)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, tw.ErrTruncated) || after.TotalAlloc-before.TotalAlloc > 4096 {
		t.Errorf("%v, %d bytes allocated", err, after.TotalAlloc-before.TotalAlloc)
	}
}

// Decoded values that share the decoder's arena are capped: appending to one
// never writes into another.
func TestArenaValuesIndependent(t *testing.T) {
	type lists struct {
		A []int64  `thrift:"a,1"`
		B []int64  `thrift:"b,2"`
		S string   `thrift:"s,3"`
		T []byte   `thrift:"t,4"`
		U []byte   `thrift:"u,5"`
		F *float64 `thrift:"f,6"`
		G *float64 `thrift:"g,7"`
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		b, _ := o.Marshal(&lists{A: []int64{1, 2}, B: []int64{3, 4}, S: "ss", T: []byte("tt"), U: []byte("uu"), F: ptr(1.5), G: ptr(2.5)})
		var v lists
		if err := o.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		_ = append(v.A, 99)
		_ = append(v.T, 'x')
		*v.F = 7
		runtime.GC()
		if v.B[0] != 3 || v.U[0] != 'u' || v.S != "ss" || *v.G != 2.5 || cap(v.A) != 2 || cap(v.T) != 2 {
			t.Errorf("protocol %d: %+v", p, v)
		}
	}
}

// Encoding counts depth as decoding does: a chain the decoder takes at the
// default limit encodes, one level more fails both ways; a value that
// refers to itself is ErrDepth, not a stack overflow.
func TestEncodeDepth(t *testing.T) {
	chain := func(n int) *recursive {
		var head *recursive
		for i := range n {
			head = &recursive{V: int32(i), Next: head}
		}
		return head
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		b, err := o.Marshal(chain(codec.DefaultMaxDepth))
		if err != nil {
			t.Fatalf("%v, %d levels: %v", p, codec.DefaultMaxDepth, err)
		}
		if err := o.Unmarshal(b, new(recursive)); err != nil {
			t.Fatalf("%v, %d levels decode: %v", p, codec.DefaultMaxDepth, err)
		}
		if _, err := o.Marshal(chain(codec.DefaultMaxDepth + 1)); !errors.Is(err, codec.ErrDepth) {
			t.Fatalf("%v, %d levels: %v", p, codec.DefaultMaxDepth+1, err)
		}
		b, _ = (codec.Options{Protocol: p, MaxDepth: 100}).Marshal(chain(codec.DefaultMaxDepth + 1))
		if err := o.Unmarshal(b, new(recursive)); !errors.Is(err, codec.ErrDepth) {
			t.Fatalf("%v, %d levels decode: %v", p, codec.DefaultMaxDepth+1, err)
		}

		// Through lists: the deepest that encodes by default decodes,
		// one deeper (encoded with a higher limit) does not.
		type nest struct {
			L []*nest `thrift:"l,1"`
		}
		nested := func(n int) *nest {
			v := &nest{}
			for range n {
				v = &nest{L: []*nest{v}}
			}
			return v
		}
		deepest := 0
		for n := 1; n < 100; n++ {
			if _, err := o.Marshal(nested(n)); err != nil {
				break
			}
			deepest = n
		}
		b, _ = o.Marshal(nested(deepest))
		if err := o.Unmarshal(b, new(nest)); err != nil {
			t.Fatalf("%v: %d lists deep, encoded, does not decode: %v", p, deepest, err)
		}
		b, _ = (codec.Options{Protocol: p, MaxDepth: 200}).Marshal(nested(deepest + 1))
		if err := o.Unmarshal(b, new(nest)); !errors.Is(err, codec.ErrDepth) {
			t.Fatalf("%v: %d lists deep did not encode, but decodes: %v", p, deepest+1, err)
		}

		loop := &recursive{V: 1}
		loop.Next = loop
		if _, err := o.Size(loop); !errors.Is(err, codec.ErrDepth) {
			t.Errorf("%v: Size of a loop: %v", p, err)
		}
		if _, err := o.Marshal(loop); !errors.Is(err, codec.ErrDepth) {
			t.Errorf("%v: Marshal of a loop: %v", p, err)
		}
		if _, err := o.MarshalAppend(make([]byte, 0, 64), loop); !errors.Is(err, codec.ErrDepth) {
			t.Errorf("%v: MarshalAppend of a loop: %v", p, err)
		}
		type ring struct {
			L []*ring `thrift:"l,1"`
		}
		r := &ring{}
		r.L = []*ring{r}
		if _, err := o.MarshalAppend(make([]byte, 0, 64), r); !errors.Is(err, codec.ErrDepth) {
			t.Errorf("%v: a list holding its own struct: %v", p, err)
		}
	}
}
