package codec

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudwego/frugal"
	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

type Item struct {
	ID   int64   `thrift:"id,1" frugal:"1,default,i64"`
	Name string  `thrift:"name,2" frugal:"2,default,string"`
	Refs []int64 `thrift:"refs,3" frugal:"3,default,list<i64>"`
}

type Medium struct {
	Name  string            `thrift:"name,1" frugal:"1,default,string"`
	Count int64             `thrift:"count,2" frugal:"2,default,i64"`
	Attrs map[string]string `thrift:"attrs,3" frugal:"3,default,map<string:string>"`
	Items []*Item           `thrift:"items,4" frugal:"4,default,list<Item>"`
	Data  []byte            `thrift:"data,5" frugal:"5,default,binary"`
	Score *float64          `thrift:"score,6,optional" frugal:"6,optional,double"`
	Flags []bool            `thrift:"flags,7" frugal:"7,default,set<bool>"`
	Req   int32             `thrift:"req,8,required" frugal:"8,required,i32"`
	Kids  map[int32]*Item   `thrift:"kids,9,optional" frugal:"9,optional,map<i32:Item>"`
}

func medium() *Medium {
	score := 0.5
	return &Medium{Name: "m", Count: -3, Attrs: map[string]string{"a": "b"},
		Items: []*Item{{ID: 1, Name: "one", Refs: []int64{1, 2}}, {ID: 2}}, Data: []byte{1, 2, 3},
		Score: &score, Flags: []bool{true}, Req: 7, Kids: map[int32]*Item{5: {Name: "kid"}}}
}

// frugalDecode decodes with frugal, turning its panics (it has some on
// malformed input, RESEARCH.md) into errors.
func frugalDecode(in []byte, v any) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("frugal panicked: %v", r)
		}
	}()
	return frugal.DecodeObject(in, v)
}

// FuzzFrugal decodes the same bytes with ringwire and frugal v0.3.0 into
// the same struct type: same decision, equal values.
func FuzzFrugal(f *testing.F) {
	b, _ := codec.Marshal(medium())
	f.Add(b)
	b, _ = codec.Marshal(&Medium{Req: 1})
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		if err := tw.ParseError(tw.Binary.SkipValue(in, tw.Struct, 0)); err == tw.ErrTruncated || err == tw.ErrNegative {
			// frugal allocates what a count claims before it reads an
			// element: 9 bytes claiming 167 million structs made it
			// allocate 9.4 GB and panic; a negative count read as
			// unsigned ran it out of memory. Input whose counts its bytes
			// cannot hold is not given to it.
			return
		}
		var ours, theirs Medium
		n, err := codec.Options{}.Consume(in, &ours)
		m, ferr := frugalDecode(in, &theirs)
		if ferr != nil && strings.HasPrefix(ferr.Error(), "frugal panicked") {
			return // frugal's fault, not a decision
		}
		if err == nil && ferr != nil && strings.Contains(ferr.Error(), "unknown data type 16") {
			return // uuid (type 16) came after frugal v0.3.0; Apache v0.22 skips it as ringwire does
		}
		if err == nil && ferr != nil && strings.Contains(ferr.Error(), "type mismatch") {
			// frugal checks the element types of an empty list or map;
			// ringwire does not, as Apache's generated readers do not
			// (ringwire rejects mismatched types in a non-empty one).
			return
		}
		if (err == nil) != (ferr == nil) {
			t.Fatalf("ringwire: %v, frugal: %v\n%x", err, ferr, in)
		}
		if err != nil {
			return
		}
		// frugal reads any non-zero byte as a true bool; Apache and
		// ringwire read 1 only.
		if len(ours.Flags) == len(theirs.Flags) {
			for i, v := range ours.Flags {
				if !v && theirs.Flags[i] {
					theirs.Flags[i] = false
				}
			}
		}
		// A NaN is not equal to itself: compare a double's bits.
		if ours.Score != nil && theirs.Score != nil && math.Float64bits(*ours.Score) == math.Float64bits(*theirs.Score) {
			theirs.Score = ours.Score
		}
		if n != m || !reflect.DeepEqual(normal(&ours), normal(&theirs)) {
			t.Fatalf("%d and %d bytes:\nringwire %+v\nfrugal   %+v\n%x", n, m, ours, theirs, in)
		}
	})
}

// normal makes nil and empty containers alike: frugal decodes an empty
// list as nil, ringwire as empty (as Apache's generated code does).
func normal(m *Medium) *Medium {
	c := *m
	if len(c.Attrs) == 0 {
		c.Attrs = nil
	}
	if len(c.Items) == 0 {
		c.Items = nil
	}
	if len(c.Data) == 0 {
		c.Data = nil
	}
	if len(c.Flags) == 0 {
		c.Flags = nil
	}
	if len(c.Kids) == 0 {
		c.Kids = nil
	}
	if c.Items != nil {
		items := make([]*Item, len(c.Items))
		for i, it := range c.Items {
			items[i] = normalItem(it)
		}
		c.Items = items
	}
	if c.Kids != nil {
		kids := map[int32]*Item{}
		for k, it := range c.Kids {
			kids[k] = normalItem(it)
		}
		c.Kids = kids
	}
	return &c
}

func normalItem(it *Item) *Item {
	if it == nil {
		return nil
	}
	x := *it
	if len(x.Refs) == 0 {
		x.Refs = nil
	}
	return &x
}

// The values each side encodes decode on the other.
func TestFrugalInterop(t *testing.T) {
	v := medium()
	ours, err := codec.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	theirs := make([]byte, frugal.EncodedSize(v))
	if _, err := frugal.EncodeObject(theirs, nil, v); err != nil {
		t.Fatal(err)
	}
	var a, b Medium
	if _, err := frugal.DecodeObject(ours, &a); err != nil || !reflect.DeepEqual(normal(&a), normal(v)) {
		t.Fatalf("frugal reads ours: %v %+v", err, a)
	}
	if err := codec.Unmarshal(theirs, &b); err != nil || !reflect.DeepEqual(normal(&b), normal(v)) {
		t.Fatalf("ringwire reads frugal's: %v %+v", err, b)
	}
}
