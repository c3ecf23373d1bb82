package codec

import (
	"fmt"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// A Protocol is a Thrift wire protocol.
type Protocol uint8

// Protocols.
const (
	Binary  Protocol = iota // strict binary
	Compact                 // compact
)

// Options configure coding. The zero value codes binary, copies strings and
// binaries out of the input, and allows DefaultMaxDepth levels of nesting.
type Options struct {
	Protocol Protocol

	// NoCopy makes decoded strings and []byte fields alias the input
	// instead of copying it: valid for as long as the input is unchanged.
	NoCopy bool

	// MaxDepth bounds the nesting of structs and containers a decode
	// accepts and an encode writes, counted alike: what encodes decodes
	// with the same MaxDepth, and a value that refers to itself is an
	// ErrDepth error, not a stack overflow. 0 means DefaultMaxDepth.
	MaxDepth int

	// NonStrict accepts binary message headers in the old non-strict form
	// (the name's length first), as Apache Go does; Kitex does not.
	NonStrict bool
}

// DefaultMaxDepth is Apache Thrift's nesting limit.
const DefaultMaxDepth = tw.DefaultDepth

// A Writer is where Write puts an encoding: one Malloc of exactly its size.
// buffer.Writer (and so a conn.Conn) is one.
type Writer interface {
	Malloc(n int) ([]byte, error)
}

// compile returns the compiled struct v points to.
func compile(v any) (*structInfo, unsafex.Pointer, error) {
	c := cached(v) // inlined: an atomic load and a probe
	if c == nil {
		c = compileType(v)
	}
	if c.err != nil {
		return nil, unsafex.Pointer{}, c.err
	}
	p := unsafex.PointerOf(v)
	if p.IsNil() {
		return nil, p, &Error{Path: c.ti.name, Err: fmt.Errorf("%w: a nil %T", ErrType, v)}
	}
	return c.ti.st, p, nil
}

// Size returns the size of v's encoding; v is a pointer to a struct.
func (o Options) Size(v any) (int, error) {
	si, p, err := compile(v)
	if err != nil {
		return 0, err
	}
	return o.size(si, p)
}

func (o Options) size(si *structInfo, p unsafex.Pointer) (int, error) {
	var n int
	var err error
	if o.Protocol == Compact {
		n, err = sizeStructCompact(compactWire(0), p, si, o.depth())
	} else {
		n, err = sizeStructBinary(binaryWire(0), p, si, o.depth())
	}
	if err != nil {
		return 0, prefix(err, si)
	}
	return n, nil
}

func prefix(err error, si *structInfo) error {
	return wrap(err, si.goTyp.Name())
}

// MarshalAppend appends v's encoding to b; v is a pointer to a struct. Into
// a b with room to spare it writes in one pass, growing b as append does if
// the room runs out (reuse a buffer and it will not); into a full b it
// sizes v first and grows b once. On error b is returned as it was.
func (o Options) MarshalAppend(b []byte, v any) ([]byte, error) {
	si, p, err := compile(v)
	if err != nil {
		return b, err
	}
	return o.marshalAppend(b, si, p)
}

// marshalAppend writes into b's room in one walk, growing b as append
// does if the room runs out; with no room at all, it sizes first and
// allocates once.
func (o Options) marshalAppend(b []byte, si *structInfo, p unsafex.Pointer) ([]byte, error) {
	b, err := o.room(b, si, p, 0)
	if err != nil {
		return b, err
	}
	// o.append's body again: a call level less on the path every
	// encode takes (measured: 20 of a small struct's 300 instructions).
	var out []byte
	if o.Protocol == Compact {
		out, err = appendStructCompact(compactWire(0), b, p, si, o.depth())
	} else {
		out, err = appendStructBinary(binaryWire(0), b, p, si, o.depth())
	}
	if err != nil {
		return b, prefix(err, si)
	}
	return out, nil
}

// room returns b with room for p's encoding and extra bytes when b has
// no room at all (sizing p first: one allocation); a b with room is
// returned as it is, and append grows it if need be.
func (o Options) room(b []byte, si *structInfo, p unsafex.Pointer, extra int) ([]byte, error) {
	if cap(b) > len(b) {
		return b, nil
	}
	n, err := o.size(si, p)
	if err != nil {
		return b, err
	}
	return append(make([]byte, 0, len(b)+extra+n), b...), nil
}

func (o Options) append(b []byte, si *structInfo, p unsafex.Pointer) ([]byte, error) {
	var err error
	if o.Protocol == Compact {
		b, err = appendStructCompact(compactWire(0), b, p, si, o.depth())
	} else {
		b, err = appendStructBinary(binaryWire(0), b, p, si, o.depth())
	}
	if err != nil {
		return b, prefix(err, si)
	}
	return b, nil
}

// depth is the depth the walkers start a top-level struct with: MaxDepth
// levels in all.
func (o Options) depth() int {
	if o.MaxDepth <= 0 {
		return DefaultMaxDepth - 1
	}
	return o.MaxDepth - 1
}

// Marshal returns v's encoding; v is a pointer to a struct.
func (o Options) Marshal(v any) ([]byte, error) { return o.MarshalAppend(nil, v) }

// Write encodes v into w with one Malloc of its size: no allocation of its
// own.
func (o Options) Write(w Writer, v any) error {
	si, p, err := compile(v)
	if err != nil {
		return err
	}
	return o.write(w, si, p)
}

func (o Options) write(w Writer, si *structInfo, p unsafex.Pointer) error {
	n, err := o.size(si, p)
	if err != nil {
		return err
	}
	buf, err := w.Malloc(n)
	if err != nil {
		return err
	}
	out, err := o.append(buf[:0], si, p)
	if err != nil {
		return err // only a value changed by another goroutine since size
	}
	if got := len(out); got != n {
		// Only a value changed by another goroutine during Write gets here.
		return &Error{Path: si.goTyp.Name(), Err: fmt.Errorf("codec: encoded %d bytes, sized %d: the value changed while written", got, n)}
	}
	return nil
}

// Consume decodes one struct from the start of b into v, a pointer to a
// struct, and returns the bytes it took. Fields the input does not have keep
// their values in v.
func (o Options) Consume(b []byte, v any) (int, error) {
	si, p, err := compile(v)
	if err != nil {
		return 0, err
	}
	return o.consume(b, si, p)
}

func (o Options) consume(b []byte, si *structInfo, p unsafex.Pointer) (int, error) {
	d := getDecoder(o.NoCopy)
	var n int
	var err error
	switch {
	case o.Protocol == Compact:
		n, err = decodeStructCompact(compactWire(0), d, b, p, si, o.depth())
	case si.plain: // as decodeStruct would, a call level less
		n, err = decodePlainStructBinary(binaryWire(0), d, b, p, si, o.depth())
	default:
		n, err = decodeStructBinary(binaryWire(0), d, b, p, si, o.depth())
	}
	putDecoder(d)
	if err != nil {
		return 0, prefix(err, si)
	}
	return n, nil
}

// Unmarshal decodes b, which must hold exactly one struct, into v.
func (o Options) Unmarshal(b []byte, v any) error {
	si, p, err := compile(v)
	if err != nil {
		return err
	}
	return o.unmarshal(b, si, p)
}

func (o Options) unmarshal(b []byte, si *structInfo, p unsafex.Pointer) error {
	n, err := o.consume(b, si, p)
	if err == nil && n != len(b) {
		err = &Error{Path: si.goTyp.Name(), Err: fmt.Errorf("codec: %d bytes after the struct", len(b)-n)}
	}
	return err
}

// Marshal returns the binary encoding of v, a pointer to a struct.
func Marshal(v any) ([]byte, error) { return Options{}.Marshal(v) }

// Unmarshal decodes the binary encoding b into v, a pointer to a struct.
func Unmarshal(b []byte, v any) error { return Options{}.Unmarshal(b, v) }

// A Codec codes values of one struct type T with fixed Options. It holds
// T's compiled table, so its calls skip the lookup that Options' methods
// make by the value's dynamic type: what a generated stub or an RPC layer
// keeps per method.
type Codec[T any] struct {
	o  Options
	si *structInfo
}

// For returns the Codec of T, a struct type; an error names what in T the
// codec cannot code.
func For[T any](o Options) (*Codec[T], error) {
	c := infoOf((*T)(nil))
	if c.err != nil {
		return nil, c.err
	}
	return &Codec[T]{o: o, si: c.ti.st}, nil
}

// Size returns the size of v's encoding.
func (c *Codec[T]) Size(v *T) (int, error) {
	if v == nil {
		return 0, c.nilError()
	}
	return c.o.size(c.si, unsafex.PointerTo(v))
}

// MarshalAppend appends v's encoding to b, as Options.MarshalAppend.
func (c *Codec[T]) MarshalAppend(b []byte, v *T) ([]byte, error) {
	if v == nil {
		return b, c.nilError()
	}
	return c.o.marshalAppend(b, c.si, unsafex.PointerTo(v))
}

// Write encodes v into w with one Malloc of its size.
func (c *Codec[T]) Write(w Writer, v *T) error {
	if v == nil {
		return c.nilError()
	}
	return c.o.write(w, c.si, unsafex.PointerTo(v))
}

// Consume decodes one T from the start of b into v and returns the bytes it
// took.
func (c *Codec[T]) Consume(b []byte, v *T) (int, error) {
	if v == nil {
		return 0, c.nilError()
	}
	return c.o.consume(b, c.si, unsafex.PointerTo(v))
}

// Unmarshal decodes b, which must hold exactly one T, into v.
func (c *Codec[T]) Unmarshal(b []byte, v *T) error {
	if v == nil {
		return c.nilError()
	}
	return c.o.unmarshal(b, c.si, unsafex.PointerTo(v))
}

func (c *Codec[T]) nilError() error {
	return &Error{Path: c.si.goTyp.Name(), Err: fmt.Errorf("%w: a nil *%v", ErrType, c.si.goTyp)}
}
