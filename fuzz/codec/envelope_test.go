package codec

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	ap "github.com/ringwire/ringwire/fuzz/codec/internal/apachecompat"
	kx "github.com/ringwire/ringwire/fuzz/codec/internal/kitexcompat"
)

// A method's args and result envelopes built at run time with
// reflect.StructOf, as rpc builds them from a handler's Go types (no code
// generator), code as the generators' own envelopes do: the parameters as
// fields 1..n; success as field 0 and declared exceptions as 1..n, all
// optional in the result. These tests check the claim on compat.thrift's
// service against Apache's and Kitex's generated CompatEchoArgs and
// CompatEchoResult.

func envelope(fields ...reflect.StructField) reflect.Type { return reflect.StructOf(fields) }

var (
	echoArgs = envelope(reflect.StructField{Name: "E", Type: reflect.TypeFor[*ap.Everything](), Tag: `thrift:"e,1"`})
	echoRes  = envelope(
		reflect.StructField{Name: "Success", Type: reflect.TypeFor[*ap.Everything](), Tag: `thrift:"success,0,optional"`},
		reflect.StructField{Name: "Oops", Type: reflect.TypeFor[*ap.Oops](), Tag: `thrift:"oops,1,optional"`})
	addArgs = envelope(
		reflect.StructField{Name: "A", Type: reflect.TypeFor[int64](), Tag: `thrift:"a,1"`},
		reflect.StructField{Name: "B", Type: reflect.TypeFor[int64](), Tag: `thrift:"b,2"`})
	addRes = envelope(reflect.StructField{Name: "Success", Type: reflect.TypeFor[*int64](), Tag: `thrift:"success,0,optional"`})
)

// fill returns a new value of envelope type t with its fields set to vs.
func fill(t reflect.Type, vs ...any) any {
	v := reflect.New(t)
	for i, x := range vs {
		if x != nil {
			v.Elem().Field(i).Set(reflect.ValueOf(x))
		}
	}
	return v.Interface()
}

// apacheMessage is what Apache's client writes for a call, or its processor
// for a reply: a message header, then the envelope.
func apacheMessage(p protocol, name string, mt thrift.TMessageType, seq int32, body thrift.TStruct) []byte {
	buf := thrift.NewTMemoryBuffer()
	prot := p.apache(buf)
	ctx := context.Background()
	if err := prot.WriteMessageBegin(ctx, name, mt, seq); err != nil {
		panic(err)
	}
	if err := body.Write(ctx, prot); err != nil {
		panic(err)
	}
	if err := prot.WriteMessageEnd(ctx); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func TestEnvelopesAgainstApache(t *testing.T) {
	e := everything()
	seven := int64(7)
	oops := &ap.Oops{Why: "no", Code: 3}
	cases := []struct {
		name     string
		mt       thrift.TMessageType
		theirs   thrift.TStruct
		ours     any
		fresh    func() any
		apacheTo func() thrift.TStruct
	}{
		{"echo", thrift.CALL, &ap.CompatEchoArgs{E: e}, fill(echoArgs, e),
			func() any { return reflect.New(echoArgs).Interface() }, func() thrift.TStruct { return new(ap.CompatEchoArgs) }},
		{"echo", thrift.REPLY, &ap.CompatEchoResult{Success: e}, fill(echoRes, e, nil),
			func() any { return reflect.New(echoRes).Interface() }, func() thrift.TStruct { return new(ap.CompatEchoResult) }},
		{"echo", thrift.REPLY, &ap.CompatEchoResult{Oops: oops}, fill(echoRes, nil, oops),
			func() any { return reflect.New(echoRes).Interface() }, func() thrift.TStruct { return new(ap.CompatEchoResult) }},
		{"add", thrift.CALL, &ap.CompatAddArgs{A: 1, B: -2}, fill(addArgs, int64(1), int64(-2)),
			func() any { return reflect.New(addArgs).Interface() }, func() thrift.TStruct { return new(ap.CompatAddArgs) }},
		{"add", thrift.REPLY, &ap.CompatAddResult{Success: &seven}, fill(addRes, &seven),
			func() any { return reflect.New(addRes).Interface() }, func() thrift.TStruct { return new(ap.CompatAddResult) }},
	}
	for _, p := range protocols {
		for _, c := range cases {
			theirs := apacheMessage(p, c.name, c.mt, 41, c.theirs)
			ours, err := p.opts.AppendMessage(nil, codec.Message{Name: c.name, Type: tw.MessageType(c.mt), SeqID: 41}, c.ours)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours, theirs) {
				t.Fatalf("%s %s %v:\nringwire %x\napache   %x", p.name, c.name, c.mt, ours, theirs)
			}
			got := c.fresh()
			m, n, err := p.opts.ConsumeMessage(theirs, got)
			if err != nil || n != len(theirs) || m.Name != c.name || m.SeqID != 41 || !reflect.DeepEqual(got, c.ours) {
				t.Fatalf("%s %s %v: ringwire reads Apache's: %v %+v", p.name, c.name, c.mt, err, m)
			}
		}
	}
}

// Kitex's generated envelopes (binary) read ringwire's and the reverse.
func TestEnvelopesAgainstKitex(t *testing.T) {
	e := kitexEverything()
	ea := envelope(reflect.StructField{Name: "E", Type: reflect.TypeFor[*kx.Everything](), Tag: `thrift:"e,1"`})
	er := envelope(
		reflect.StructField{Name: "Success", Type: reflect.TypeFor[*kx.Everything](), Tag: `thrift:"success,0,optional"`},
		reflect.StructField{Name: "Oops", Type: reflect.TypeFor[*kx.Oops](), Tag: `thrift:"oops,1,optional"`})

	ours, err := codec.Marshal(fill(ea, e))
	if err != nil {
		t.Fatal(err)
	}
	var args kx.CompatEchoArgs
	if _, err := args.FastRead(ours); err != nil || !reflect.DeepEqual(args.E, e) {
		t.Fatalf("Kitex reads ringwire's args: %v", err)
	}
	theirs := kitexWrite(&kx.CompatEchoResult{Oops: &kx.Oops{Why: "no", Code: 3}})
	got := reflect.New(er)
	if err := codec.Unmarshal(theirs, got.Interface()); err != nil {
		t.Fatal(err)
	}
	if o := got.Elem().Field(1).Interface().(*kx.Oops); !got.Elem().Field(0).IsNil() || o == nil || o.Why != "no" || o.Code != 3 {
		t.Fatalf("ringwire reads Kitex's result: %+v", got.Elem().Interface())
	}
}
