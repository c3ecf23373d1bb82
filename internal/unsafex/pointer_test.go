package unsafex

import (
	"reflect"
	"testing"
)

type pair struct {
	A int32
	B []string
	C *pair
}

func TestPointer(t *testing.T) {
	v := &pair{A: 1, B: []string{"x", "y"}}
	p := PointerOf(any(v))
	if p.IsNil() || *As[int32](p) != 1 {
		t.Fatal("PointerOf does not point at the value")
	}
	f := reflect.TypeFor[pair]()
	b, _ := f.FieldByName("B")
	data, n := p.Add(b.Offset).Slice()
	if n != 2 || *As[string](data.Add(reflect.TypeFor[string]().Size())) != "y" {
		t.Fatal("Slice")
	}
	arr := NewArray(reflect.TypeFor[string](), 3)
	*As[string](arr) = "z"
	p.Add(b.Offset).SetSlice(arr, 3)
	if len(v.B) != 3 || cap(v.B) != 3 || v.B[0] != "z" {
		t.Fatalf("SetSlice: %q", v.B)
	}
	c, _ := f.FieldByName("C")
	q := New(f)
	p.Add(c.Offset).Store(q)
	if v.C == nil || p.Add(c.Offset).Load() != q || PointerTo(v.C) != q {
		t.Fatal("Store/Load")
	}
	if got := p.Interface(f).(*pair); got != v {
		t.Fatal("Interface")
	}
	var m map[string]int
	mp := PointerTo(&m)
	mp.StoreMap(reflect.ValueOf(map[string]int{"k": 1}))
	if m["k"] != 1 || mp.Map(reflect.TypeFor[map[string]int]()).Len() != 1 {
		t.Fatal("StoreMap/Map")
	}
	var z [3]int64
	if !PointerTo(&z).IsZero(24) {
		t.Fatal("IsZero of zeros")
	}
	z[2] = 1
	if PointerTo(&z).IsZero(24) {
		t.Fatal("IsZero of a non-zero")
	}
}

type setter interface{ Set(int32) }

func (p *pair) Set(v int32) { p.A = v }

// Rebind runs a method on another value of the same type, and leaves the
// interface it was given alone.
func TestRebind(t *testing.T) {
	a, b := &pair{}, &pair{}
	var s setter = a
	Rebind(s, PointerTo(b)).Set(7)
	if b.A != 7 || a.A != 0 {
		t.Fatalf("a.A = %d, b.A = %d; want 0 and 7", a.A, b.A)
	}
	s.Set(1)
	if a.A != 1 {
		t.Fatal("the interface Rebind was given changed")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Rebind of a non-interface did not panic")
		}
	}()
	Rebind(int64(0), PointerTo(b))
}

// NewArray makes one allocation: the elements.
func TestNewArrayAllocs(t *testing.T) {
	typ := reflect.TypeFor[pair]()
	var p Pointer
	if n := testing.AllocsPerRun(100, func() { p = NewArray(typ, 3) }); n != 1 {
		t.Fatalf("%v allocations, want 1", n)
	}
	s := Slice[pair](p, 3)
	s[2].A = 5
	if s[0].A != 0 || s[2].A != 5 {
		t.Fatal("NewArray's memory is not three zero pairs")
	}
}
