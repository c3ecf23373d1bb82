package codec_test

import (
	"testing"

	"github.com/ringwire/ringwire/codec"
)

type small struct {
	A int32   `thrift:"a,1"`
	B int64   `thrift:"b,2"`
	C bool    `thrift:"c,3"`
	D float64 `thrift:"d,4"`
	E int16   `thrift:"e,5"`
	S Status  `thrift:"s,6"`
}

// fixedWriter is a Writer over a slice: what buffer.Writer's Malloc is to
// the codec.
type fixedWriter struct{ b []byte }

func (w *fixedWriter) Malloc(n int) ([]byte, error) {
	w.b = w.b[:n]
	return w.b, nil
}

// Encoding allocates nothing (maps of other types than maps.go's typed ones
// aside: they go through reflect);
// decoding a struct of scalars allocates nothing.
func TestAllocations(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		s := &small{A: -1, B: 1 << 40, C: true, D: 1.5, E: 7, S: 1}
		item := mediumValue().Items[0]
		item.Next = nil
		withMaps := &struct {
			A map[string]string `thrift:"a,1"`
			B map[int64]string  `thrift:"b,2"`
			C map[string][]byte `thrift:"c,3"`
		}{map[string]string{"k": "v", "x": "y"}, map[int64]string{1: "one"}, map[string][]byte{"b": {1}}}
		buf := make([]byte, 0, 4096)
		w := &fixedWriter{b: make([]byte, 4096)}
		var err error
		if n := testing.AllocsPerRun(100, func() {
			if _, err = o.MarshalAppend(buf[:0], s); err == nil {
				_, err = o.MarshalAppend(buf[:0], item)
			}
			if err == nil {
				err = o.Write(w, item)
			}
			if err == nil {
				_, err = o.MarshalAppend(buf[:0], withMaps)
			}
		}); n != 0 || err != nil {
			t.Errorf("protocol %d: %.1f allocations per encode, %v", p, n, err)
		}
		b, _ := o.Marshal(s)
		var got small
		if n := testing.AllocsPerRun(100, func() { err = o.Unmarshal(b, &got) }); n != 0 || err != nil || got != *s {
			t.Errorf("protocol %d: %.1f allocations per decode of scalars, %v", p, n, err)
		}
	}
}

// Decoding a list of pointers to structs allocates the structs in one
// batch: the allocations of a decode do not grow with the list.
func TestListOfStructsAllocations(t *testing.T) {
	type item struct {
		ID   int64  `thrift:"id,1"`
		Name string `thrift:"name,2"`
	}
	type list struct {
		L []*item `thrift:"l,1"`
	}
	for _, n := range []int{1, 100} {
		v := &list{}
		for i := range n {
			v.L = append(v.L, &item{ID: int64(i), Name: "n"})
		}
		b, _ := codec.Marshal(v)
		var got list
		allocs := testing.AllocsPerRun(20, func() { codec.Unmarshal(b, &got) })
		if allocs > 4 {
			t.Errorf("%d items: %.0f allocations", n, allocs)
		}
	}
}
