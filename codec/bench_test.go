package codec_test

import (
	"strconv"
	"testing"

	"github.com/ringwire/ringwire/codec"
)

// The shapes of RESEARCH.md's codec table; bench/codec runs them against
// the peers.
type benchSmall struct {
	A int32  `thrift:"a,1" frugal:"1,default,i32"`
	B int64  `thrift:"b,2" frugal:"2,default,i64"`
	C string `thrift:"c,3" frugal:"3,default,string"`
	D bool   `thrift:"d,4" frugal:"4,default,bool"`
}

type benchItem struct {
	ID   int64   `thrift:"id,1" frugal:"1,default,i64"`
	Name string  `thrift:"name,2" frugal:"2,default,string"`
	Refs []int64 `thrift:"refs,3" frugal:"3,default,list<i64>"`
}

type benchMedium struct {
	Name  string            `thrift:"name,1" frugal:"1,default,string"`
	Count int64             `thrift:"count,2" frugal:"2,default,i64"`
	Attrs map[string]string `thrift:"attrs,3" frugal:"3,default,map<string:string>"`
	Items []*benchItem      `thrift:"items,4" frugal:"4,default,list<benchItem>"`
	Data  []byte            `thrift:"data,5" frugal:"5,default,binary"`
	Score *float64          `thrift:"score,6,optional" frugal:"6,optional,double"`
}

func newMedium(items, data int) *benchMedium {
	m := &benchMedium{Name: "medium-struct-name", Count: 1 << 33, Attrs: map[string]string{}, Data: make([]byte, data), Score: ptr(0.5)}
	for i := range 10 {
		m.Attrs["attr-key-"+strconv.Itoa(i)] = "attribute-value-" + strconv.Itoa(i)
	}
	for i := range items {
		m.Items = append(m.Items, &benchItem{ID: int64(i) << 20, Name: "item-name-" + strconv.Itoa(i), Refs: []int64{1, 2, 3, 1 << 40, -5}})
	}
	return m
}

func BenchmarkCodec(b *testing.B) {
	shapes := []struct {
		name string
		v    any
		zero func() any
	}{
		{"small", &benchSmall{A: 1, B: 1 << 40, C: "a small string", D: true}, func() any { return new(benchSmall) }},
		{"medium", newMedium(20, 256), func() any { return new(benchMedium) }},
		{"large", newMedium(100, 64<<10), func() any { return new(benchMedium) }},
	}
	for _, s := range shapes {
		for _, p := range protocols {
			o := codec.Options{Protocol: p}
			name := s.name + "/" + [...]string{"binary", "compact"}[p]
			buf, _ := o.Marshal(s.v)
			b.Run("encode/"+name, func(b *testing.B) {
				out := make([]byte, 0, len(buf))
				b.SetBytes(int64(len(buf)))
				b.ReportAllocs()
				for b.Loop() {
					out, _ = o.MarshalAppend(out[:0], s.v)
				}
			})
			b.Run("decode/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(buf)))
				b.ReportAllocs()
				for b.Loop() {
					if err := o.Unmarshal(buf, s.zero()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
