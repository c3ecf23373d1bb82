package codec_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/ringwire/ringwire/codec"
)

// Shape is a union as Apache and Kitex generate one: optional fields and a
// CountSetFields method.
type Shape struct {
	Circle *float64 `thrift:"circle,1" frugal:"1,optional,double"`
	Square *int32   `thrift:"square,2" frugal:"2,optional,i32"`
	Label  *string  `thrift:"label,3" frugal:"3,optional,string"`
}

func (p *Shape) CountSetFieldsShape() int { return 0 } // the codec checks, not this

func TestUnion(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		one := &Shape{Square: ptr(int32(4))}
		b, err := o.Marshal(one)
		var got Shape
		if err != nil || o.Unmarshal(b, &got) != nil || *got.Square != 4 || got.Circle != nil {
			t.Fatalf("one field: %v", err)
		}
		if _, err := o.Marshal(&Shape{Circle: ptr(1.0), Label: ptr("x")}); !errors.Is(err, codec.ErrUnion) {
			t.Errorf("two fields set encode: %v", err)
		}
		// Two fields on the wire: a non-union twin writes them.
		type twin struct {
			Circle *float64 `thrift:"circle,1"`
			Label  *string  `thrift:"label,3"`
		}
		b, _ = o.Marshal(&twin{Circle: ptr(1.0), Label: ptr("x")})
		if err := o.Unmarshal(b, new(Shape)); !errors.Is(err, codec.ErrUnion) {
			t.Errorf("two fields set decode: %v", err)
		}
		if b, err := o.Marshal(&Shape{}); err != nil || o.Unmarshal(b, new(Shape)) != nil {
			t.Errorf("no field set: %v", err)
		}
	}
}

// Conf has IDL defaults, set by InitDefault as Kitex generates it.
type Conf struct {
	Retries int32  `thrift:"retries,1" frugal:"1,default,i32"`
	Mode    string `thrift:"mode,2" frugal:"2,default,string"`
}

func (c *Conf) InitDefault() { c.Retries, c.Mode = 3, "fast" }

type holder struct {
	One  *Conf  `thrift:"one,1"`
	Many []Conf `thrift:"many,2"`
}

// Structs the decoder allocates get their defaults before the fields the
// input has.
func TestInitDefault(t *testing.T) {
	type partial struct { // Conf's field 1 only
		Retries int32 `thrift:"retries,1"`
	}
	type partialHolder struct {
		One  *partial  `thrift:"one,1"`
		Many []partial `thrift:"many,2"`
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		b, _ := o.Marshal(&partialHolder{One: &partial{Retries: 9}, Many: []partial{{Retries: 1}, {}}})
		var h holder
		if err := o.Unmarshal(b, &h); err != nil {
			t.Fatal(err)
		}
		want := holder{One: &Conf{9, "fast"}, Many: []Conf{{1, "fast"}, {0, "fast"}}}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("protocol %d: %+v %+v, want %+v %+v", p, *h.One, h.Many, *want.One, want.Many)
		}
	}
}

// newer is a later version of older: older keeps what it does not know in
// _unknownFields and writes it back, so a proxy built on older passes
// newer's fields through.
type newer struct {
	A    int32            `thrift:"a,1"`
	B    string           `thrift:"b,5"`
	Flag bool             `thrift:"flag,6"`
	M    map[string]int64 `thrift:"m,20"`
	C    int64            `thrift:"c,2"`
}

type older struct {
	A              int32  `thrift:"a,1"`
	C              int64  `thrift:"c,2"`
	_unknownFields []byte //lint:ignore U1000 the codec fills it through its offset
}

func TestUnknownFieldsKept(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		in := &newer{A: 1, B: "kept", Flag: true, M: map[string]int64{"x": 1}, C: 7}
		b, _ := o.Marshal(in)
		var old older
		if err := o.Unmarshal(b, &old); err != nil || old.A != 1 || old.C != 7 {
			t.Fatalf("protocol %d: %v %+v", p, err, old)
		}
		old.A = 2
		b, err := o.Marshal(&old)
		if err != nil {
			t.Fatal(err)
		}
		var out newer
		if err := o.Unmarshal(b, &out); err != nil {
			t.Fatalf("protocol %d: %v", p, err)
		}
		in.A = 2
		if !reflect.DeepEqual(&out, in) {
			t.Errorf("protocol %d: %+v, want %+v", p, out, *in)
		}
	}
}

// richer has fields of every kind older does not know.
type richer struct {
	A     int32             `thrift:"a,1"`
	C     int64             `thrift:"c,2"`
	Flag  bool              `thrift:"flag,3"`
	Off   bool              `thrift:"off,4"`
	D     float64           `thrift:"d,5"`
	S     string            `thrift:"s,6"`
	I8    int8              `thrift:"i8,7"`
	I16   int16             `thrift:"i16,8"`
	U     [16]byte          `thrift:"u,9"`
	Bools []bool            `thrift:"bools,10"`
	M     map[string]int64  `thrift:"m,11"`
	Empty map[int32]string  `thrift:"empty,12"`
	Item  *leaf             `thrift:"item,40"`
	Deep  [][]int32         `thrift:"deep,300"`
	Set   []string          `thrift:"set,13" frugal:"13,default,set<string>"`
	Nest  map[int32][]*leaf `thrift:"nest,14"`
}

type leaf struct {
	X int32  `thrift:"x,1"`
	S string `thrift:"s,2"`
	B bool   `thrift:"b,3"`
}

// Kept unknown fields are held in binary, as Kitex holds them, whichever
// protocol they came in: a value read in one protocol and written in the
// other carries them intact.
func TestUnknownFieldsAcrossProtocols(t *testing.T) {
	in := &richer{A: 1, C: 2, Flag: true, D: -0.25, S: "s", I8: -8, I16: 300, U: [16]byte{1, 15: 2},
		Bools: []bool{true, false, true}, M: map[string]int64{"k": -5}, Empty: map[int32]string{},
		Item: &leaf{X: 9, S: "nine", B: true}, Deep: [][]int32{{1}, {}, {-2, 3}}, Set: []string{"x"},
		Nest: map[int32][]*leaf{4: {{X: 4}}}}
	// Kept from compact, the bytes are those kept from binary: binary's.
	var kept [2][]byte
	for i, p := range protocols {
		b, _ := codec.Options{Protocol: p}.Marshal(in)
		var old older
		if err := (codec.Options{Protocol: p}).Unmarshal(b, &old); err != nil {
			t.Fatal(err)
		}
		kept[i] = reflect.ValueOf(old).FieldByName("_unknownFields").Bytes()
	}
	// But for an empty map's key and value types, which compact does not
	// carry: written 0 (stop), as no reader checks an empty map's types.
	emptyMap := func(k, v byte) []byte { return []byte{0x0d, 0, 12, k, v, 0, 0, 0, 0} }
	kept[0] = bytes.Replace(kept[0], emptyMap(8, 11), emptyMap(0, 0), 1)
	if !bytes.Equal(kept[0], kept[1]) || len(kept[0]) == 0 {
		t.Fatalf("kept from binary %x\nkept from compact %x", kept[0], kept[1])
	}
	for _, from := range protocols {
		for _, to := range protocols {
			b, err := codec.Options{Protocol: from}.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			var old older
			if err := (codec.Options{Protocol: from}).Unmarshal(b, &old); err != nil {
				t.Fatalf("%v: %v", from, err)
			}
			b, err = codec.Options{Protocol: to}.Marshal(&old)
			if err != nil {
				t.Fatalf("%v -> %v: %v", from, to, err)
			}
			if n, _ := (codec.Options{Protocol: to}).Size(&old); n != len(b) {
				t.Errorf("%v -> %v: Size %d, wrote %d", from, to, n, len(b))
			}
			var out richer
			if err := (codec.Options{Protocol: to}).Unmarshal(b, &out); err != nil || !reflect.DeepEqual(&out, in) {
				t.Fatalf("%v -> %v: %v\n got %+v\nwant %+v", from, to, err, &out, in)
			}
		}
	}
}
