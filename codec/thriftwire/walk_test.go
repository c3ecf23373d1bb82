package thriftwire_test

import (
	"reflect"
	"testing"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// A walker decodes any value into a tree with nothing but a protocol's
// Consume methods: the reference the tests hold Skip and the goldens to.
type walker interface {
	value(b []byte, t tw.Type, depth int) (any, int)
}

type field struct {
	ID    int16
	Value any
}

type binaryWalker struct{}

func (w binaryWalker) value(b []byte, t tw.Type, depth int) (any, int) {
	p := tw.Binary
	switch t {
	case tw.Bool:
		return p.ConsumeBool(b)
	case tw.Byte:
		return p.ConsumeByte(b)
	case tw.I16:
		return p.ConsumeI16(b)
	case tw.I32:
		return p.ConsumeI32(b)
	case tw.I64:
		return p.ConsumeI64(b)
	case tw.Double:
		return p.ConsumeDouble(b)
	case tw.String:
		return p.ConsumeString(b)
	case tw.UUID:
		return p.ConsumeUUID(b)
	}
	if depth == 0 {
		return nil, -5
	}
	var out []any
	n := 0
	switch t {
	case tw.Struct:
		for {
			ft, id, m := p.ConsumeFieldBegin(b[n:])
			if m < 0 {
				return nil, m
			}
			n += m
			if ft == tw.Stop {
				return out, n
			}
			v, m := w.value(b[n:], ft, depth-1)
			if m < 0 {
				return nil, m
			}
			n += m
			out = append(out, field{id, v})
		}
	case tw.Map:
		k, v, c, m := p.ConsumeMapBegin(b)
		if m < 0 {
			return nil, m
		}
		n = m
		for range 2 * c {
			t := k
			if len(out)%2 == 1 {
				t = v
			}
			x, m := w.value(b[n:], t, depth-1)
			if m < 0 {
				return nil, m
			}
			n += m
			out = append(out, x)
		}
		return out, n
	case tw.List, tw.Set:
		e, c, m := p.ConsumeListBegin(b)
		if m < 0 {
			return nil, m
		}
		n = m
		for range c {
			x, m := w.value(b[n:], e, depth-1)
			if m < 0 {
				return nil, m
			}
			n += m
			out = append(out, x)
		}
		return out, n
	}
	return nil, -4
}

type compactWalker struct{}

func (w compactWalker) value(b []byte, t tw.Type, depth int) (any, int) {
	p := tw.Compact
	switch t {
	case tw.Bool:
		return p.ConsumeBool(b)
	case tw.Byte:
		return p.ConsumeByte(b)
	case tw.I16:
		return p.ConsumeI16(b)
	case tw.I32:
		return p.ConsumeI32(b)
	case tw.I64:
		return p.ConsumeI64(b)
	case tw.Double:
		return p.ConsumeDouble(b)
	case tw.String:
		return p.ConsumeString(b)
	case tw.UUID:
		return p.ConsumeUUID(b)
	}
	if depth == 0 {
		return nil, -5
	}
	var out []any
	n := 0
	switch t {
	case tw.Struct:
		var last int16
		for {
			ft, id, bv, m := p.ConsumeFieldBegin(b[n:], last)
			if m < 0 {
				return nil, m
			}
			n += m
			if ft == tw.Stop {
				return out, n
			}
			last = id
			if ft == tw.Bool {
				out = append(out, field{id, bv})
				continue
			}
			v, m := w.value(b[n:], ft, depth-1)
			if m < 0 {
				return nil, m
			}
			n += m
			out = append(out, field{id, v})
		}
	case tw.Map:
		k, v, c, m := p.ConsumeMapBegin(b)
		if m < 0 {
			return nil, m
		}
		n = m
		for range 2 * c {
			t := k
			if len(out)%2 == 1 {
				t = v
			}
			x, m := w.value(b[n:], t, depth-1)
			if m < 0 {
				return nil, m
			}
			n += m
			out = append(out, x)
		}
		return out, n
	case tw.List, tw.Set:
		e, c, m := p.ConsumeListBegin(b)
		if m < 0 {
			return nil, m
		}
		n = m
		for range c {
			x, m := w.value(b[n:], e, depth-1)
			if m < 0 {
				return nil, m
			}
			n += m
			out = append(out, x)
		}
		return out, n
	}
	return nil, -4
}

// wantArgs is the golden message's args struct as a tree.
func wantArgs() any {
	set := []any{}
	for i := range 20 {
		set = append(set, setElem(i))
	}
	return []any{
		field{1, true}, field{2, int8(-3)}, field{3, int16(-300)}, field{5, int32(100000)},
		field{20, int64(-1 << 40)}, field{21, 3.25}, field{22, "héllo"},
		field{23, []any{int32(1), int32(-2), int32(3)}}, field{24, set},
		field{25, []any{"a", int64(1)}}, field{26, []any(nil)}, field{27, uuid},
		field{28, []any{field{1, false}}}, field{29, []any{true, false}}, field{3, int32(-1)},
	}
}

func TestGoldenDecode(t *testing.T) {
	type proto struct {
		name    string
		in      []byte
		w       walker
		message func([]byte) (string, tw.MessageType, int32, int)
		skip    func([]byte, tw.Type, int) int
		exc     func([]byte) (*tw.ApplicationException, int)
	}
	for _, p := range []proto{
		{"binary", apacheBinary, binaryWalker{}, func(b []byte) (string, tw.MessageType, int32, int) {
			return tw.Binary.ConsumeMessageBegin(b, false)
		}, tw.Binary.SkipValue, tw.Binary.ConsumeApplicationException},
		{"compact", apacheCompact, compactWalker{}, tw.Compact.ConsumeMessageBegin, tw.Compact.SkipValue, tw.Compact.ConsumeApplicationException},
	} {
		t.Run(p.name, func(t *testing.T) {
			name, mt, seq, n := p.message(p.in)
			if name != "Echo" || mt != tw.Call || seq != 7 || n < 0 {
				t.Fatalf("message %q %v %d, %d", name, mt, seq, n)
			}
			args, m := p.w.value(p.in[n:], tw.Struct, 64)
			if m < 0 {
				t.Fatalf("args: %v", tw.ParseError(m))
			}
			if !reflect.DeepEqual(args, wantArgs()) {
				t.Fatalf("args\n%v\nwant\n%v", args, wantArgs())
			}
			if s := p.skip(p.in[n:], tw.Struct, 0); s != m {
				t.Errorf("SkipValue %d bytes, the args are %d", s, m)
			}
			e, k := p.exc(p.in[n+m:])
			if k < 0 || n+m+k != len(p.in) || *e != *appExc {
				t.Errorf("exception %+v, %d bytes of %d", e, k, len(p.in)-n-m)
			}
			// Every prefix fails cleanly, truncated.
			for i := range m {
				if _, k := p.w.value(p.in[n:n+i], tw.Struct, 64); k != -1 {
					t.Fatalf("%d of %d bytes: code %d, want truncated", i, m, k)
				}
				if k := p.skip(p.in[n:n+i], tw.Struct, 0); tw.ParseError(k) != tw.ErrTruncated {
					t.Fatalf("skip, %d of %d bytes: %v", i, m, tw.ParseError(k))
				}
			}
		})
	}
}

func TestParseError(t *testing.T) {
	for code, want := range map[int]error{-1: tw.ErrTruncated, -2: tw.ErrNegative, -3: tw.ErrOverflow,
		-4: tw.ErrType, -5: tw.ErrDepth, -6: tw.ErrVersion, 0: nil, 12: nil} {
		if got := tw.ParseError(code); got != want {
			t.Errorf("code %d: %v, want %v", code, got, want)
		}
	}
	if tw.ParseError(-99) == nil {
		t.Error("an unknown code is not an error")
	}
}
