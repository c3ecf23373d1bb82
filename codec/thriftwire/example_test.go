package thriftwire_test

import (
	"fmt"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// A compact CALL with a struct of one string field, written and read back
// with the primitives alone.
func Example() {
	p := tw.Compact
	b := p.AppendMessageBegin(nil, "Greet", tw.Call, 1)
	b = p.AppendFieldBegin(b, tw.String, 1, 0)
	b = p.AppendString(b, "world")
	b = p.AppendFieldStop(b)

	name, typ, seq, n := p.ConsumeMessageBegin(b)
	if n < 0 {
		fmt.Println(tw.ParseError(n))
		return
	}
	b = b[n:]
	for last := int16(0); ; {
		t, id, _, n := p.ConsumeFieldBegin(b, last)
		if n < 0 {
			fmt.Println(tw.ParseError(n))
			return
		}
		b, last = b[n:], id
		if t == tw.Stop {
			break
		}
		if id == 1 && t == tw.String {
			s, n := p.ConsumeString(b)
			if n < 0 {
				fmt.Println(tw.ParseError(n))
				return
			}
			fmt.Println(name, typ, seq, s)
			b = b[n:]
			continue
		}
		n = p.SkipValue(b, t, 0) // a field this reader does not know
		if n < 0 {
			fmt.Println(tw.ParseError(n))
			return
		}
		b = b[n:]
	}
	// Output: Greet call 1 world
}
