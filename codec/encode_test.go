package codec_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ringwire/ringwire/codec"
)

// Every value the wire cannot carry is an error both ways MarshalAppend
// works: sizing first (a full b) and in one pass (a b with room). The path
// names the field, and b comes back as it was.
func TestEncodeErrors(t *testing.T) {
	type reqPtr struct {
		I *Item `thrift:"i,1,required"`
	}
	type nilElem struct {
		L []*Medium `thrift:"l,1"`
	}
	type nilMapValue struct {
		M map[int32]*Medium `thrift:"m,1"`
	}
	type enum struct {
		S Status `thrift:"s,1"`
	}
	type nested struct {
		Inner *reqPtr `thrift:"inner,1"`
	}
	tests := []struct {
		name string
		v    any
		want error
		path string
	}{
		{"nil required pointer", &reqPtr{}, codec.ErrRequired, "reqPtr.I"},
		{"nil list element with required fields", &nilElem{L: []*Medium{{Name: "a"}, nil}}, codec.ErrRequired, "nilElem.L[1]"},
		{"nil map value with required fields", &nilMapValue{M: map[int32]*Medium{7: nil}}, codec.ErrRequired, "nilMapValue.M[7]"},
		{"union with two fields", &Shape{Circle: ptr(1.0), Label: ptr("x")}, codec.ErrUnion, "Shape.Label"},
		{"enum past i32", &enum{S: 1 << 40}, codec.ErrTooLong, "enum.S"},
		{"nested", &nested{Inner: &reqPtr{}}, codec.ErrRequired, "nested.Inner.I"},
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		for _, tt := range tests {
			for _, room := range []int{0, 256} {
				b := append(make([]byte, 0, 3+room), "abc"...)
				got, err := o.MarshalAppend(b, tt.v)
				if !errors.Is(err, tt.want) || !strings.HasPrefix(err.Error(), tt.path+":") {
					t.Errorf("%v %s, room %d: %v; want %v at %s", p, tt.name, room, err, tt.want, tt.path)
				}
				if string(got) != "abc" {
					t.Errorf("%v %s, room %d: b came back %q", p, tt.name, room, got)
				}
			}
			if _, err := o.Size(tt.v); !errors.Is(err, tt.want) {
				t.Errorf("%v %s: Size: %v", p, tt.name, err)
			}
		}
	}
}

// One pass into a buffer with room, into one whose room runs out, and
// sized first all write the same bytes.
func TestMarshalAppendPaths(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		for _, v := range []any{mediumValue(), ptr(wantGolden())} {
			marshalAppendPaths(t, o, v)
		}
	}
}

func marshalAppendPaths(t *testing.T, o codec.Options, v any) {
	t.Helper()
	{
		want, err := o.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, room := range []int{1, 7, len(want) - 1, len(want), 2 * len(want)} {
			got, err := o.MarshalAppend(append(make([]byte, 0, 2+room), 0xaa, 0xbb), v)
			if err != nil || !bytes.Equal(got[:2], []byte{0xaa, 0xbb}) || len(got[2:]) != len(want) {
				t.Fatalf("%v, room %d: %v\n got %x\nwant %x", o.Protocol, room, err, got, want)
			}
			// Maps' orders differ from run to run: compare values.
			a, b := reflect.New(reflect.TypeOf(v).Elem()), reflect.New(reflect.TypeOf(v).Elem())
			if o.Unmarshal(got[2:], a.Interface()) != nil || o.Unmarshal(want, b.Interface()) != nil || !reflect.DeepEqual(a.Interface(), b.Interface()) {
				t.Fatalf("%v, room %d: decodes apart", o.Protocol, room)
			}
		}
	}
}

// Whatever room b starts with, and wherever it runs out (before a fixed-
// size field, inside a string, inside a nested struct or list), one-pass
// MarshalAppend writes the sized encoding's bytes.
func TestMarshalAppendEveryRoom(t *testing.T) {
	type inner struct {
		A int64  `thrift:"a,1"`
		S string `thrift:"s,2"`
		B bool   `thrift:"b,3"`
	}
	type mixed struct {
		A int64   `thrift:"a,1"`
		S string  `thrift:"s,2"`
		B int32   `thrift:"b,3"`
		C bool    `thrift:"c,4"`
		L []int64 `thrift:"l,5"`
		D float64 `thrift:"d,6"`
		E int16   `thrift:"e,7"`
		F int8    `thrift:"f,8"`
		P *inner  `thrift:"p,9"`
		G int64   `thrift:"g,10"`
		I []inner `thrift:"i,11"`
		H int32   `thrift:"h,12"`
	}
	for _, s := range []string{"", "x", strings.Repeat("y", 40)} {
		v := &mixed{A: -1, S: s, B: 2, C: true, L: []int64{1, 2, 3}, D: 0.5, E: -3, F: 4,
			P: &inner{A: 5, S: s, B: true}, G: 6, I: []inner{{A: 7, S: s}, {B: true}}, H: 8}
		for _, p := range protocols {
			o := codec.Options{Protocol: p}
			want, err := o.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			for room := 0; room <= len(want)+2; room++ {
				got, err := o.MarshalAppend(append(make([]byte, 0, 1+room), 0xee), v)
				if err != nil || got[0] != 0xee || !bytes.Equal(got[1:], want) {
					t.Fatalf("%v, string of %d, room %d: %v\n got %x\nwant %x", p, len(s), room, err, got, want)
				}
			}
		}
	}
}
