package codec

import (
	"bytes"
	"context"
	"reflect"
	"strconv"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/cloudwego/frugal"
	apachebench "github.com/ringwire/ringwire/bench/codec/internal/apachebench"
	kb "github.com/ringwire/ringwire/bench/codec/internal/kitexbench"
	"github.com/ringwire/ringwire/codec"
)

// The shapes: small = {i32, i64, string, bool}; medium = 10 attributes, 20
// items, a 256-byte binary (2.25 KB in binary); large = medium with 100
// items and a 64 KiB binary.
func small() *kb.Small { return &kb.Small{A: 1, B: 1 << 40, C: "a small string", D: true} }

func medium(items, data int) *kb.Medium {
	score := 0.5
	m := &kb.Medium{Name: "medium-struct-name", Count: 1 << 33, Attrs: map[string]string{}, Data: make([]byte, data), Score: &score}
	for i := range 10 {
		m.Attrs["attr-key-"+strconv.Itoa(i)] = "attribute-value-" + strconv.Itoa(i)
	}
	for i := range items {
		m.Items = append(m.Items, &kb.Item{Id: int64(i) << 20, Name: "item-name-" + strconv.Itoa(i), Refs: []int64{1, 2, 3, 1 << 40, -5}})
	}
	return m
}

// toApache converts a Kitex value to the Apache-generated type with the
// same content.
func toApache(v any) apacheValue {
	switch v := v.(type) {
	case *kb.Small:
		return &apachebench.Small{A: v.A, B: v.B, C: v.C, D: v.D}
	case *kb.Medium:
		m := &apachebench.Medium{Name: v.Name, Count: v.Count, Attrs: v.Attrs, Data: v.Data, Score: v.Score}
		for _, it := range v.Items {
			m.Items = append(m.Items, &apachebench.Item{ID: it.Id, Name: it.Name, Refs: it.Refs})
		}
		return m
	}
	panic("no such shape")
}

type apacheValue interface {
	Write(context.Context, thrift.TProtocol) error
	Read(context.Context, thrift.TProtocol) error
}

type shape struct {
	ring        func(codec.Options) ringCodec // the shape's codec.Codec
	name        string
	v           any                // a Kitex-generated value
	newKitex    func() any         // a zero one
	newApache   func() apacheValue // a zero Apache-generated one
	encodeKitex func(buf []byte, v any) []byte
	decodeKitex func(b []byte, v any) error
}

// ringCodec is a codec.Codec[T] with T erased.
type ringCodec struct {
	marshalAppend func([]byte, any) ([]byte, error)
	write         func(codec.Writer, any) error
	unmarshal     func([]byte, any) error
}

func ringFor[T any](o codec.Options) ringCodec {
	c, err := codec.For[T](o)
	if err != nil {
		panic(err)
	}
	return ringCodec{
		func(b []byte, v any) ([]byte, error) { return c.MarshalAppend(b, v.(*T)) },
		func(w codec.Writer, v any) error { return c.Write(w, v.(*T)) },
		func(b []byte, v any) error { return c.Unmarshal(b, v.(*T)) },
	}
}

// sliceWriter is a codec.Writer over a reused buffer: what Write's one
// Malloc costs when the writer has the room (a buffer.Writer's usual case).
type sliceWriter struct{ buf []byte }

func (w *sliceWriter) Malloc(n int) ([]byte, error) {
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	return w.buf[:n], nil
}

var shapes = []shape{
	{ringFor[kb.Small], "small", small(), func() any { return new(kb.Small) }, func() apacheValue { return new(apachebench.Small) },
		func(buf []byte, v any) []byte {
			s := v.(*kb.Small)
			return buf[:s.FastWriteNocopy(buf[:s.BLength()], nil)]
		},
		func(b []byte, v any) error { _, err := v.(*kb.Small).FastRead(b); return err }},
	{ringFor[kb.Medium], "medium", medium(20, 256), func() any { return new(kb.Medium) }, func() apacheValue { return new(apachebench.Medium) },
		func(buf []byte, v any) []byte {
			m := v.(*kb.Medium)
			return buf[:m.FastWriteNocopy(buf[:m.BLength()], nil)]
		},
		func(b []byte, v any) error { _, err := v.(*kb.Medium).FastRead(b); return err }},
	{ringFor[kb.Medium], "large", medium(100, 64<<10), func() any { return new(kb.Medium) }, func() apacheValue { return new(apachebench.Medium) },
		func(buf []byte, v any) []byte {
			m := v.(*kb.Medium)
			return buf[:m.FastWriteNocopy(buf[:m.BLength()], nil)]
		},
		func(b []byte, v any) error { _, err := v.(*kb.Medium).FastRead(b); return err }},
}

// apacheCodec is Apache's in-memory use: a protocol over a TMemoryBuffer,
// both reused.
type apacheCodec struct {
	mem   *thrift.TMemoryBuffer
	proto thrift.TProtocol
}

func newApache(compact bool) *apacheCodec {
	mem := thrift.NewTMemoryBufferLen(128 << 10)
	var p thrift.TProtocol = thrift.NewTBinaryProtocolConf(mem, &thrift.TConfiguration{})
	if compact {
		p = thrift.NewTCompactProtocolConf(mem, &thrift.TConfiguration{})
	}
	return &apacheCodec{mem, p}
}

func (a *apacheCodec) encode(v apacheValue) []byte {
	a.mem.Reset()
	if err := v.Write(context.Background(), a.proto); err != nil {
		panic(err)
	}
	return a.mem.Bytes()
}

func (a *apacheCodec) decode(b []byte, v apacheValue) error {
	a.mem.Reset()
	a.mem.Write(b) // TMemoryBuffer reads from its own bytes: Apache's way to decode a []byte
	return v.Read(context.Background(), a.proto)
}

func BenchmarkCodec(b *testing.B) {
	for _, s := range shapes {
		for _, compact := range []bool{false, true} {
			proto, suffix := codec.Binary, ""
			if compact {
				proto, suffix = codec.Compact, "-compact"
			}
			o := codec.Options{Protocol: proto}
			wire, err := o.Marshal(s.v)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 2*len(wire))
			av := toApache(s.v)
			ap := newApache(compact)

			rc := s.ring(o)
			b.Run("encode-"+s.name+suffix+"/ringwire", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					buf, _ = rc.marshalAppend(buf[:0], s.v)
				}
			})
			sw := &sliceWriter{buf: make([]byte, len(wire))}
			b.Run("encode-"+s.name+suffix+"/ringwire-write", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := rc.write(sw, s.v); err != nil {
						b.Fatal(err)
					}
				}
			})
			if !compact {
				b.Run("encode-"+s.name+suffix+"/kitex", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						buf = s.encodeKitex(buf[:cap(buf)], s.v)
					}
				})
				b.Run("encode-"+s.name+suffix+"/frugal", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						n := frugal.EncodedSize(s.v)
						if _, err := frugal.EncodeObject(buf[:n], nil, s.v); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("encode-"+s.name+suffix+"/apache", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ap.encode(av)
				}
			})

			b.Run("decode-"+s.name+suffix+"/ringwire", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := rc.unmarshal(wire, s.newKitex()); err != nil {
						b.Fatal(err)
					}
				}
			})
			if !compact {
				b.Run("decode-"+s.name+suffix+"/kitex", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if err := s.decodeKitex(wire, s.newKitex()); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("decode-"+s.name+suffix+"/frugal", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := frugal.DecodeObject(wire, s.newKitex()); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("decode-"+s.name+suffix+"/apache", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := ap.decode(wire, s.newApache()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSameWork: every implementation decodes what every other encodes to
// the same value, so the benchmark compares equal work.
func TestSameWork(t *testing.T) {
	for _, s := range shapes {
		for _, compact := range []bool{false, true} {
			o := codec.Options{Protocol: codec.Binary}
			if compact {
				o.Protocol = codec.Compact
			}
			ours, err := o.Marshal(s.v)
			if err != nil {
				t.Fatal(err)
			}
			ap := newApache(compact)
			apache := bytes.Clone(ap.encode(toApache(s.v)))
			if len(ours) != len(apache) {
				t.Errorf("%s compact=%v: ringwire %d bytes, Apache %d", s.name, compact, len(ours), len(apache))
			}
			encodings := map[string][]byte{"ringwire": ours, "apache": apache}
			if !compact {
				encodings["kitex"] = s.encodeKitex(make([]byte, 2*len(ours)), s.v)
				fr := make([]byte, frugal.EncodedSize(s.v))
				frugal.EncodeObject(fr, nil, s.v)
				encodings["frugal"] = fr
			}
			for from, wire := range encodings {
				got := s.newKitex()
				if err := o.Unmarshal(wire, got); err != nil || !reflect.DeepEqual(got, s.v) {
					t.Errorf("%s compact=%v: ringwire decodes %s's bytes: %v", s.name, compact, from, err)
				}
				a := s.newApache()
				if err := newApache(compact).decode(wire, a); err != nil || !reflect.DeepEqual(a, toApache(s.v)) {
					t.Errorf("%s compact=%v: Apache decodes %s's bytes: %v", s.name, compact, from, err)
				}
				if !compact {
					k := s.newKitex()
					if err := s.decodeKitex(wire, k); err != nil || !reflect.DeepEqual(k, s.v) {
						t.Errorf("%s: Kitex decodes %s's bytes: %v", s.name, from, err)
					}
					f := s.newKitex()
					if _, err := frugal.DecodeObject(wire, f); err != nil || !reflect.DeepEqual(f, s.v) {
						t.Errorf("%s: frugal decodes %s's bytes: %v", s.name, from, err)
					}
				}
			}
		}
	}
}
