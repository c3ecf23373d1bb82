package codec

import (
	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// A Message is a Thrift message header: what a call or reply carries
// around its args or result struct.
type Message struct {
	Name  string // a decoded Name aliases the input
	Type  tw.MessageType
	SeqID int32
}

func (o Options) sizeHeader(m Message) int {
	if o.Protocol == Compact {
		return tw.Compact.SizeMessageBegin(m.Name, m.SeqID)
	}
	return tw.Binary.SizeMessageBegin(m.Name)
}

func (o Options) appendHeader(b []byte, m Message) []byte {
	if o.Protocol == Compact {
		return tw.Compact.AppendMessageBegin(b, m.Name, m.Type, m.SeqID)
	}
	return tw.Binary.AppendMessageBegin(b, m.Name, m.Type, m.SeqID)
}

// AppendMessage appends a message: m's header, then v (a pointer to the
// args or result struct) as its body. It grows b as MarshalAppend does.
func (o Options) AppendMessage(b []byte, m Message, v any) ([]byte, error) {
	si, p, err := compile(v)
	if err != nil {
		return b, err
	}
	if b, err = o.room(b, si, p, o.sizeHeader(m)); err != nil {
		return b, err
	}
	out, err := o.append(o.appendHeader(b, m), si, p)
	if err != nil {
		return b, err
	}
	return out, nil
}

// WriteMessage writes a message into w with one Malloc.
func (o Options) WriteMessage(w Writer, m Message, v any) error {
	si, p, err := compile(v)
	if err != nil {
		return err
	}
	n, err := o.size(si, p)
	if err != nil {
		return err
	}
	h := o.sizeHeader(m)
	buf, err := w.Malloc(h + n)
	if err != nil {
		return err
	}
	_, err = o.append(o.appendHeader(buf[:0], m), si, p)
	return err
}

// AppendException appends an Exception message carrying e, as a server
// answers a call it could not run.
func (o Options) AppendException(b []byte, m Message, e *tw.ApplicationException) []byte {
	m.Type = tw.Exception
	b = o.appendHeader(b, m)
	if o.Protocol == Compact {
		return tw.Compact.AppendApplicationException(b, e)
	}
	return tw.Binary.AppendApplicationException(b, e)
}

// ConsumeMessage reads a message from the start of b: its header, then its
// body into v. An Exception message's body is a TApplicationException: it is
// returned as the error, a *thriftwire.ApplicationException, and v is left
// alone. n is the bytes the message took.
func (o Options) ConsumeMessage(b []byte, v any) (m Message, n int, err error) {
	m, n, err = o.ConsumeMessageBegin(b)
	if err != nil {
		return m, 0, err
	}
	if m.Type == tw.Exception {
		var e *tw.ApplicationException
		var k int
		if o.Protocol == Compact {
			e, k = tw.Compact.ConsumeApplicationException(b[n:])
		} else {
			e, k = tw.Binary.ConsumeApplicationException(b[n:])
		}
		if k < 0 {
			return m, 0, &Error{Path: "TApplicationException", Err: tw.ParseError(k)}
		}
		return m, n + k, e
	}
	k, err := o.Consume(b[n:], v)
	if err != nil {
		return m, 0, err
	}
	return m, n + k, nil
}

// ConsumeMessageBegin reads a message header. Binary headers must be strict
// unless NonStrict is set.
func (o Options) ConsumeMessageBegin(b []byte) (Message, int, error) {
	var m Message
	var n int
	if o.Protocol == Compact {
		m.Name, m.Type, m.SeqID, n = tw.Compact.ConsumeMessageBegin(b)
	} else {
		m.Name, m.Type, m.SeqID, n = tw.Binary.ConsumeMessageBegin(b, o.NonStrict)
	}
	if n < 0 {
		return m, 0, &Error{Path: "message header", Err: tw.ParseError(n)}
	}
	return m, n, nil
}
