package codec_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// Tests a review session wrote against the walkers' fast paths.

// plainStruct has no required field, no union, no _unknownFields: decoded by
// decodePlainStruct. fullStruct is the same plus _unknownFields: decodeStruct.
type plainStruct struct {
	B   bool              `thrift:"b,1"`
	I8  int8              `thrift:"i8,2"`
	I16 int16             `thrift:"i16,3"`
	I32 int32             `thrift:"i32,4"`
	I64 int64             `thrift:"i64,5"`
	D   float64           `thrift:"d,6"`
	S   string            `thrift:"s,7"`
	Bin []byte            `thrift:"bin,8"`
	P   *Item             `thrift:"p,9"`
	LI  []int32           `thrift:"li,10"`
	LL  []int64           `thrift:"ll,11"`
	LS  []string          `thrift:"ls,12"`
	LP  []*Item           `thrift:"lp,13"`
	E   Status            `thrift:"e,14"`
	OB  *bool             `thrift:"ob,15"`
	OI  *int32            `thrift:"oi,16"`
	M   map[string]string `thrift:"m,17"`
	MS  map[int32]*Item   `thrift:"ms,18"`
	OL  []int64           `thrift:"ol,19,optional"`
	Set []int32           `thrift:"set,20" frugal:"20,default,set<i32>"`
	U   [16]byte          `thrift:"u,21"`
	LB  []bool            `thrift:"lb,22"`
	LD  []float64         `thrift:"ld,23"`
}

type fullStruct struct {
	B              bool              `thrift:"b,1"`
	I8             int8              `thrift:"i8,2"`
	I16            int16             `thrift:"i16,3"`
	I32            int32             `thrift:"i32,4"`
	I64            int64             `thrift:"i64,5"`
	D              float64           `thrift:"d,6"`
	S              string            `thrift:"s,7"`
	Bin            []byte            `thrift:"bin,8"`
	P              *Item             `thrift:"p,9"`
	LI             []int32           `thrift:"li,10"`
	LL             []int64           `thrift:"ll,11"`
	LS             []string          `thrift:"ls,12"`
	LP             []*Item           `thrift:"lp,13"`
	E              Status            `thrift:"e,14"`
	OB             *bool             `thrift:"ob,15"`
	OI             *int32            `thrift:"oi,16"`
	M              map[string]string `thrift:"m,17"`
	MS             map[int32]*Item   `thrift:"ms,18"`
	OL             []int64           `thrift:"ol,19,optional"`
	Set            []int32           `thrift:"set,20" frugal:"20,default,set<i32>"`
	U              [16]byte          `thrift:"u,21"`
	LB             []bool            `thrift:"lb,22"`
	LD             []float64         `thrift:"ld,23"`
	_unknownFields []byte
}

func plainValue() *plainStruct {
	return &plainStruct{B: true, I8: -3, I16: 300, I32: -70000, I64: 1 << 40, D: 2.5, S: "str", Bin: []byte("bin"),
		P: &Item{ID: 1, Name: "p", Tags: []int64{1}, Blob: []byte{}}, LI: []int32{1, -2}, LL: []int64{3, -4},
		LS: []string{"a", ""}, LP: []*Item{{ID: 2, Tags: []int64{}, Blob: []byte{}}, nil}, E: 1, OB: ptr(true),
		OI: ptr(int32(9)), M: map[string]string{"k": "v"}, MS: map[int32]*Item{5: {ID: 5, Tags: []int64{}, Blob: []byte{}}},
		OL: []int64{7}, Set: []int32{8}, U: [16]byte{1}, LB: []bool{true, false}, LD: []float64{1.5}}
}

// Differential: the same bytes decode to the same value, the same count
// and the same decision through decodePlainStruct and decodeStruct.
func FuzzPlainVsFull(f *testing.F) {
	for _, p := range protocols {
		b, err := codec.Options{Protocol: p}.Marshal(plainValue())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(p), b)
	}
	f.Fuzz(func(t *testing.T, proto uint8, in []byte) {
		o := codec.Options{Protocol: codec.Protocol(proto % 2), MaxDepth: 8}
		var a plainStruct
		var b fullStruct
		n, err := o.Consume(in, &a)
		m, err2 := o.Consume(in, &b)
		if (err == nil) != (err2 == nil) || n != m {
			t.Fatalf("plain %d %v; full %d %v", n, err, m, err2)
		}
		if err != nil {
			// Paths name the struct differently; compare the rest.
			var e1, e2 *codec.Error
			if !errors.As(err, &e1) || !errors.As(err2, &e2) {
				t.Fatalf("untyped: %v / %v", err, err2)
			}
			p1 := e1.Path[len("plainStruct"):]
			p2 := e2.Path[len("fullStruct"):]
			if p1 != p2 || e1.Err.Error() != e2.Err.Error() {
				t.Fatalf("errors differ: %v / %v", err, err2)
			}
			return
		}
		bb := b
		bb._unknownFields = nil
		conv := *(*plainStruct)(unsafe.Pointer(&bb)) // same layout prefix
		if !same(reflect.ValueOf(a), reflect.ValueOf(conv)) {
			t.Fatalf("values differ:\n%+v\n%+v", a, conv)
		}
	})
}

// Differential: MarshalAppend in one pass (room), growing (little room)
// and sized first (no room) agree on the error and the length, and each
// output decodes to the same value.
func FuzzOnePassVsSized(f *testing.F) {
	for _, p := range protocols {
		b, _ := codec.Options{Protocol: p}.Marshal(plainValue())
		f.Add(uint8(p), b)
	}
	f.Fuzz(func(t *testing.T, proto uint8, in []byte) {
		o := codec.Options{Protocol: codec.Protocol(proto % 2), MaxDepth: 8}
		var v plainStruct
		if o.Unmarshal(in, &v) != nil {
			return
		}
		sized, err1 := o.MarshalAppend(nil, &v)
		grown, err2 := o.MarshalAppend(make([]byte, 0, 1), &v)
		room, err3 := o.MarshalAppend(make([]byte, 0, 1<<16), &v)
		if err1 != nil || err2 != nil || err3 != nil || len(sized) != len(grown) || len(sized) != len(room) {
			t.Fatalf("%v %v %v; %d %d %d", err1, err2, err3, len(sized), len(grown), len(room))
		}
		var x, y plainStruct
		if o.Unmarshal(sized, &x) != nil || o.Unmarshal(room, &y) != nil || !same(reflect.ValueOf(x), reflect.ValueOf(y)) {
			t.Fatalf("decode apart")
		}
	})
}

// A decoded empty string is "", not a zero-length string into the input,
// which would keep the input from being collected while the value lives
// (found by review in the opString fast paths).
func TestEmptyStringAliasesInput(t *testing.T) {
	type s struct {
		S string `thrift:"s,1"`
		X int32  `thrift:"x,2"`
	}
	type r struct { // not plain: decodeStruct's opString case
		S string `thrift:"s,1"`
		X int32  `thrift:"x,2,required"`
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		in, _ := o.Marshal(&s{S: "", X: 1})
		in = append(make([]byte, 0, 1<<20), in...) // a big input buffer
		var v s
		var w r
		if err := o.Unmarshal(in, &v); err != nil {
			t.Fatal(err)
		}
		if err := o.Unmarshal(in, &w); err != nil {
			t.Fatal(err)
		}
		for _, str := range []string{v.S, w.S} {
			d := uintptr(unsafe.Pointer(unsafe.StringData(str)))
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
			if d >= lo && d < lo+uintptr(cap(in)) {
				t.Errorf("protocol %d: empty string's data %#x is inside the 1 MiB input [%#x, +%d): the input stays reachable", p, d, lo, cap(in))
			}
		}
	}
}

// Same, observed through the GC: the input is finalized only once the
// decoded value is dropped.
func TestEmptyStringPinsInputGC(t *testing.T) {
	type s struct {
		S string `thrift:"s,1"`
	}
	enc, _ := codec.Marshal(&s{})
	in := new([1 << 20]byte)
	copy(in[:], enc)
	freed := make(chan struct{})
	runtime.SetFinalizer(in, func(*[1 << 20]byte) { close(freed) })
	var v s
	if err := codec.Unmarshal(in[:len(enc)], &v); err != nil {
		t.Fatal(err)
	}
	in = nil
	// The finalizer runs on its own goroutine after a GC: give it turns.
	for range 50 {
		runtime.GC()
		runtime.Gosched()
		select {
		case <-freed:
			runtime.KeepAlive(&v)
			return
		default:
		}
	}
	t.Errorf("the 1 MiB input is still reachable through the decoded empty string")
	runtime.KeepAlive(&v)
}

// Concurrent decodes through the pooled arena: every value stays as it was
// decoded while others decode, and appending to or writing one never shows
// in another. Run with -race.
func TestPooledArenaConcurrent(t *testing.T) {
	type arenaValue struct {
		S  string  `thrift:"s,1"`
		B  []byte  `thrift:"b,2"`
		L  []int64 `thrift:"l,3"`
		L2 []int32 `thrift:"l2,4"`
		P  *int64  `thrift:"p,5"`
		N  int64   `thrift:"n,6"`
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var kept []*arenaValue
				for i := range 2000 {
					k := int64(g*100000 + i)
					in, _ := o.Marshal(&arenaValue{S: fmt.Sprint("s", k), B: []byte(fmt.Sprint("b", k)), L: []int64{k, k + 1},
						L2: []int32{int32(k)}, P: ptr(k), N: k})
					var v arenaValue
					if err := o.Unmarshal(in, &v); err != nil {
						t.Error(err)
						return
					}
					v.B[0] = 'X' // write our own bytes
					_ = append(v.L, 1)
					*v.P += 0
					kept = append(kept, &v)
				}
				for i, v := range kept {
					k := int64(g*100000 + i)
					if v.S != fmt.Sprint("s", k) || string(v.B[1:]) != fmt.Sprint(k) || v.L[0] != k || v.L[1] != k+1 ||
						v.L2[0] != int32(k) || *v.P != k || v.N != k {
						t.Errorf("value %d changed: %+v", k, v)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

// A list of pointers to wide structs allocates its structs in batches
// budgeted by the structs' size, not the pointers' (found by review: 20 KB
// of input claiming 20,000 pointers to 1 KiB structs, the first bad,
// allocated 20 MB).
func TestListOfPtrAmplification(t *testing.T) {
	type wideList struct {
		P []*wideNoA `thrift:"p,1"`
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
		t.Errorf("allocated %d bytes for %d bytes of input", grew, len(in))
	}
}

// InitDefault through Rebind: a value-receiver method and a promoted one
// run on the decoded struct.
type valueDefaults struct {
	N int32 `thrift:"n,1"`
	M int32 `thrift:"m,2"`
}

var valueDefaultsSeen int32

func (v valueDefaults) InitDefault() { valueDefaultsSeen = v.N + 100 }

type innerDefaults struct{ Q int32 }

func (i *innerDefaults) InitDefault() { i.Q = 77 }

type embedDefaults struct {
	X int32 `thrift:"x,1"`
	innerDefaults
	Y int32 `thrift:"y,2"`
}

func TestRebindShapes(t *testing.T) {
	type h struct {
		A *valueDefaults   `thrift:"a,1"`
		E *embedDefaults   `thrift:"e,2"`
		L []embedDefaults  `thrift:"l,3"`
		P []*embedDefaults `thrift:"p,4"`
	}
	b, err := codec.Marshal(&h{A: &valueDefaults{N: 5}, E: &embedDefaults{X: 1}, L: []embedDefaults{{X: 2}}, P: []*embedDefaults{{X: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	var v h
	if err := codec.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.A.N != 5 || valueDefaultsSeen != 100 || v.E.Q != 77 || v.E.X != 1 || v.L[0].Q != 77 || v.P[0].Q != 77 || v.P[0].X != 3 {
		t.Errorf("%+v %d %+v %+v %+v", v.A, valueDefaultsSeen, v.E, v.L, v.P[0])
	}
}

// The sized and one-pass encodes of everything above give the same
// bytes when no map has more than one entry.
func TestOnePassBytes(t *testing.T) {
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		v := plainValue()
		a, err := o.MarshalAppend(nil, v)
		b, err2 := o.MarshalAppend(make([]byte, 0, 4096), v)
		c, err3 := o.MarshalAppend(make([]byte, 0, 3), v)
		if err != nil || err2 != nil || err3 != nil || !bytes.Equal(a, b) || !bytes.Equal(a, c) {
			t.Fatalf("%v %v %v\n%x\n%x\n%x", err, err2, err3, a, b, c)
		}
	}
}

type reqUnion struct {
	A *bool      `thrift:"a,1"`
	B *int32     `thrift:"b,2"`
	C *reqHolder `thrift:"c,3"`
	D []int32    `thrift:"d,4"`
}

func (*reqUnion) CountSetFieldsreqUnion() int { return 0 }

type reqHolder struct {
	I *Item `thrift:"i,1,required"`
}

// The one-pass and sized encodes fail alike: same error text, b unchanged.
func TestEncodeErrorsAgree(t *testing.T) {
	type enumList struct {
		L []Status `thrift:"l,1"`
	}
	type enumMap struct {
		M map[string]Status `thrift:"m,1"`
	}
	type nested struct {
		X              int32               `thrift:"x,1"`
		LS             []reqHolder         `thrift:"ls,2"`
		MP             map[int32][]*Medium `thrift:"mp,3"`
		OP             *reqHolder          `thrift:"op,4"`
		U              *reqUnion           `thrift:"u,5"`
		_unknownFields []byte              //lint:ignore U1000 the codec fills it through its offset
	}
	cases := map[string]any{
		"enum list":        &enumList{L: []Status{0, 1 << 40}},
		"enum map":         &enumMap{M: map[string]Status{"k": -1 << 40}},
		"list by value":    &nested{LS: []reqHolder{{I: &Item{}}, {}}},
		"map of lists":     &nested{MP: map[int32][]*Medium{3: {nil}}},
		"optional ptr":     &nested{OP: &reqHolder{}},
		"union bools":      &nested{U: &reqUnion{A: ptr(false), B: ptr(int32(0))}},
		"union nested":     &nested{U: &reqUnion{C: &reqHolder{}}},
		"union list+bool":  &nested{U: &reqUnion{D: []int32{}, A: ptr(true)}},
		"union empty list": &reqUnion{D: []int32{}},
	}
	for _, p := range protocols {
		o := codec.Options{Protocol: p}
		for name, v := range cases {
			var errs []string
			var outs [][]byte
			for _, room := range []int{0, 2, 4096} {
				b := append(make([]byte, 0, 3+room), "abc"...)
				got, err := o.MarshalAppend(b, v)
				errs = append(errs, fmt.Sprint(err))
				if err != nil && string(got) != "abc" {
					t.Errorf("%v %s room %d: b came back %q", p, name, room, got)
				}
				if err == nil {
					outs = append(outs, got)
				}
			}
			_, serr := o.Size(v)
			errs = append(errs, fmt.Sprint(serr))
			for _, e := range errs[1:] {
				if e != errs[0] {
					t.Errorf("%v %s: errors differ: %q", p, name, errs)
					break
				}
			}
			for _, b := range outs[min(1, len(outs)):] {
				if !bytes.Equal(b, outs[0]) {
					t.Errorf("%v %s: bytes differ", p, name)
				}
			}
			t.Logf("%v %s: %s", p, name, errs[0])
		}
	}
}
