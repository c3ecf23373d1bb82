package codec_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

func TestMessage(t *testing.T) {
	for i, p := range protocols {
		o := codec.Options{Protocol: p}
		m := codec.Message{Name: "Echo", Type: tw.Call, SeqID: 7}
		v := wantGolden()
		b, err := o.AppendMessage(nil, m, &v)
		if err != nil {
			t.Fatal(err)
		}
		// The header is Apache's, byte for byte.
		golden := [][]byte{apacheBinary, apacheCompact}[i]
		_, hdr, _ := o.ConsumeMessageBegin(golden)
		if !bytes.Equal(b[:hdr], golden[:hdr]) {
			t.Errorf("protocol %d: header %x, Apache's %x", p, b[:hdr], golden[:hdr])
		}
		var got goldenArgs
		gm, n, err := o.ConsumeMessage(b, &got)
		if err != nil || gm != m || n != len(b) || got.Str != v.Str {
			t.Fatalf("protocol %d: %+v, %d of %d, %v", p, gm, n, len(b), err)
		}
		w := &fixedWriter{b: make([]byte, 4096)}
		if err := o.WriteMessage(w, m, &v); err != nil || !bytes.Equal(w.b, b) {
			t.Errorf("protocol %d: WriteMessage wrote other bytes: %v", p, err)
		}

		ex := o.AppendException(nil, codec.Message{Name: "Nope", SeqID: 9}, &tw.ApplicationException{Type: tw.UnknownMethod, Message: "no Nope"})
		gm, n, err = o.ConsumeMessage(ex, &got)
		var ae *tw.ApplicationException
		if !errors.As(err, &ae) || ae.Type != tw.UnknownMethod || gm.Type != tw.Exception || gm.SeqID != 9 || n != len(ex) {
			t.Errorf("protocol %d: exception %+v, %v", p, gm, err)
		}
		if _, _, err := o.ConsumeMessage([]byte{0, 0, 0, 4, 'E', 'c', 'h', 'o', 1, 0, 0, 0, 1, 0}, &got); err == nil && p == codec.Binary {
			t.Error("a non-strict header read without NonStrict")
		}
	}
	var got goldenArgs
	nonStrict := []byte{0, 0, 0, 4, 'E', 'c', 'h', 'o', 1, 0, 0, 0, 1, 0}
	if m, _, err := (codec.Options{NonStrict: true}).ConsumeMessage(nonStrict, &got); err != nil || m.Name != "Echo" {
		t.Errorf("non-strict: %+v, %v", m, err)
	}
}
