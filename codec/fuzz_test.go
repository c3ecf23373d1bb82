package codec_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/ringwire/ringwire/codec"
)

// FuzzUnmarshal: no input panics or yields an untyped error; what decodes
// re-encodes, and after that one round (which fills in the default fields
// the input lacked) encoding and decoding are a fixed point.
func FuzzUnmarshal(f *testing.F) {
	for _, p := range protocols {
		b, _ := codec.Options{Protocol: p}.Marshal(mediumValue())
		f.Add(uint8(p), b)
	}
	f.Fuzz(func(t *testing.T, proto uint8, in []byte) {
		o := codec.Options{Protocol: codec.Protocol(proto % 2), MaxDepth: 16}
		var v Medium
		if err := o.Unmarshal(in, &v); err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var once, twice Medium
		for _, dst := range []*Medium{&once, &twice} {
			b, err := o.Marshal(&v)
			if err != nil {
				t.Fatalf("a decoded value does not encode: %v", err)
			}
			if err := o.Unmarshal(b, dst); err != nil {
				t.Fatalf("re-encoded: %v", err)
			}
			v = *dst
		}
		if !same(reflect.ValueOf(once), reflect.ValueOf(twice)) {
			t.Fatalf("not a fixed point:\n%+v\n%+v", once, twice)
		}
	})
}

// same is reflect.DeepEqual with NaN equal to NaN: a double's bits go
// through the codec unchanged, NaN among them.
func same(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return same(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			w := b.MapIndex(it.Key())
			if !w.IsValid() || !same(it.Value(), w) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
