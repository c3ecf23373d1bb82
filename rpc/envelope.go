package rpc

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// A method's call carries an args struct and its reply a result struct
// (PROTOCOLS.md): args holds the parameters as fields 1..n, result the
// success value as field 0 and the declared exceptions as fields 1..n. A
// method here has one parameter, so the envelopes are written by hand
// around the parameter's and the result's own codecs: one field header,
// the value, a stop. Measured against envelope structs made with
// reflect.StructOf and coded through codec.Options, that allocates no
// envelope per call and skips a type lookup.

// coder holds a struct type's compiled codecs, one per protocol.
type coder[T any] struct {
	c     [2]*codec.Codec[T]
	empty bool // T has no fields: a method with no parameters, or void
}

func newCoder[T any]() (coder[T], error) {
	var c coder[T]
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return c, fmt.Errorf("rpc: %v is not a struct", t)
	}
	c.empty = t.NumField() == 0
	for _, p := range [...]codec.Protocol{codec.Binary, codec.Compact} {
		x, err := codec.For[T](codec.Options{Protocol: p})
		if err != nil {
			return c, err
		}
		c.c[p] = x
	}
	return c, nil
}

// appendField appends v as field id of an envelope: nothing for an empty
// struct, which stands for no parameters or no result.
func (c *coder[T]) appendField(b []byte, p codec.Protocol, id int16, v *T) ([]byte, error) {
	if c.empty {
		return b, nil
	}
	b = appendFieldBegin(b, p, tw.Struct, id)
	return c.c[p].MarshalAppend(b, v)
}

func appendFieldBegin(b []byte, p codec.Protocol, t tw.Type, id int16) []byte {
	if p == codec.Compact {
		return tw.Compact.AppendFieldBegin(b, t, id, 0)
	}
	return tw.Binary.AppendFieldBegin(b, t, id)
}

// appendStop ends a struct: a zero byte in both protocols.
func appendStop(b []byte) []byte { return append(b, 0) }

// fields reads the fields of an envelope struct in turn.
type fields struct {
	b    []byte
	p    codec.Protocol
	last int16
}

// next returns the next field's type and id, Stop at the end.
func (f *fields) next() (tw.Type, int16, error) {
	var t tw.Type
	var id int16
	var n int
	if f.p == codec.Compact {
		t, id, _, n = tw.Compact.ConsumeFieldBegin(f.b, f.last)
		f.last = id
	} else {
		t, id, n = tw.Binary.ConsumeFieldBegin(f.b)
	}
	if n < 0 {
		return 0, 0, tw.ParseError(n)
	}
	f.b = f.b[n:]
	return t, id, nil
}

// skip passes over the value of a field of type t.
func (f *fields) skip(t tw.Type) error {
	var n int
	if f.p == codec.Compact {
		if t == tw.Bool {
			return nil // the value was in the field header
		}
		n = tw.Compact.SkipValue(f.b, t, tw.DefaultDepth)
	} else {
		n = tw.Binary.SkipValue(f.b, t, tw.DefaultDepth)
	}
	if n < 0 {
		return tw.ParseError(n)
	}
	f.b = f.b[n:]
	return nil
}

// consume decodes v from the field's value.
func (c *coder[T]) consume(f *fields, v *T) error {
	n, err := c.c[f.p].Consume(f.b, v)
	if err != nil {
		return err
	}
	f.b = f.b[n:]
	return nil
}

// An exception is a declared exception of a method: a Go error type and
// the result field that carries it.
type exception struct {
	id   int16
	typ  reflect.Type            // the pointer type, for messages
	as   func(error) (any, bool) // errors.As into the type
	make func() any              // a new value to decode into
}

// Throws declares an exception of a method: errors of type *T that a
// handler returns (found with errors.As) travel as field id of the result
// struct, and a client decodes that field back into a *T, which the call
// returns. T is a struct whose pointer is an error, as both generators
// make a Thrift exception. ids start at 1.
func Throws[T any, PT interface {
	*T
	error
}](id int16) MethodOption {
	return func(c *methodConfig) {
		c.excs = append(c.excs, exception{
			id:  id,
			typ: reflect.TypeFor[PT](),
			as: func(err error) (any, bool) {
				var pt PT
				if errors.As(err, &pt) && pt != nil {
					return pt, true
				}
				return nil, false
			},
			make: func() any { return PT(new(T)) },
		})
	}
}

// checkExceptions validates declared exceptions: ids from 1, distinct,
// struct types the codec takes.
func checkExceptions(excs []exception) error {
	seen := make(map[int16]bool, len(excs))
	for _, e := range excs {
		if e.id < 1 {
			return fmt.Errorf("rpc: exception %v has field id %d: ids start at 1", e.typ, e.id)
		}
		if seen[e.id] {
			return fmt.Errorf("rpc: two exceptions have field id %d", e.id)
		}
		seen[e.id] = true
		if e.typ.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("rpc: exception %v is not a pointer to a struct", e.typ)
		}
	}
	return nil
}
