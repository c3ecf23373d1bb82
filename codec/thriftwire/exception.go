package thriftwire

import "fmt"

// An ApplicationException is Thrift's TApplicationException: the error a
// server sends, as an Exception message, for a call it could not run. On the
// wire it is struct {1: string message, 2: i32 type}.
type ApplicationException struct {
	Type    ExceptionType
	Message string
}

func (e *ApplicationException) Error() string {
	if e.Message == "" {
		return "thrift: application exception: " + e.Type.String()
	}
	return "thrift: application exception: " + e.Type.String() + ": " + e.Message
}

// An ExceptionType is the kind of an ApplicationException.
type ExceptionType int32

// Exception types: Apache Thrift's, and Kitex's two.
const (
	UnknownException      ExceptionType = 0
	UnknownMethod         ExceptionType = 1
	InvalidMessageType    ExceptionType = 2
	WrongMethodName       ExceptionType = 3
	BadSequenceID         ExceptionType = 4
	MissingResult         ExceptionType = 5
	InternalError         ExceptionType = 6
	ProtocolError         ExceptionType = 7
	InvalidTransform      ExceptionType = 8
	InvalidProtocol       ExceptionType = 9
	UnsupportedClientType ExceptionType = 10
	ValidationFailed      ExceptionType = 11
	UnknownService        ExceptionType = 20 // Kitex
	NoServiceName         ExceptionType = 21 // Kitex
)

var exceptionNames = map[ExceptionType]string{
	UnknownException: "unknown", UnknownMethod: "unknown method", InvalidMessageType: "invalid message type",
	WrongMethodName: "wrong method name", BadSequenceID: "bad sequence id", MissingResult: "missing result",
	InternalError: "internal error", ProtocolError: "protocol error", InvalidTransform: "invalid transform",
	InvalidProtocol: "invalid protocol", UnsupportedClientType: "unsupported client type",
	ValidationFailed: "validation failed", UnknownService: "unknown service", NoServiceName: "no service name",
}

func (t ExceptionType) String() string {
	if s, ok := exceptionNames[t]; ok {
		return s
	}
	return fmt.Sprintf("exception type %d", int32(t))
}

// AppendApplicationException appends e as a struct (message first, as
// Apache writes it; an empty message is still written).
func (p BinaryProtocol) AppendApplicationException(b []byte, e *ApplicationException) []byte {
	b = p.AppendFieldBegin(b, String, 1)
	b = p.AppendString(b, e.Message)
	b = p.AppendFieldBegin(b, I32, 2)
	b = p.AppendI32(b, int32(e.Type))
	return p.AppendFieldStop(b)
}

// ConsumeApplicationException parses an ApplicationException struct; its
// Message aliases b. Unknown fields are skipped; fields of the wrong type
// are skipped as unknown, as Apache's generated reader does.
func (p BinaryProtocol) ConsumeApplicationException(b []byte) (*ApplicationException, int) {
	e := new(ApplicationException)
	n := 0
	for {
		t, id, m := p.ConsumeFieldBegin(b[n:])
		if m < 0 {
			return nil, m
		}
		n += m
		switch {
		case t == Stop:
			return e, n
		case id == 1 && t == String:
			e.Message, m = p.ConsumeString(b[n:])
		case id == 2 && t == I32:
			var v int32
			v, m = p.ConsumeI32(b[n:])
			e.Type = ExceptionType(v)
		default:
			m = p.SkipValue(b[n:], t, DefaultDepth)
		}
		if m < 0 {
			return nil, m
		}
		n += m
	}
}

// AppendApplicationException appends e as a struct.
func (p CompactProtocol) AppendApplicationException(b []byte, e *ApplicationException) []byte {
	b = p.AppendFieldBegin(b, String, 1, 0)
	b = p.AppendString(b, e.Message)
	b = p.AppendFieldBegin(b, I32, 2, 1)
	b = p.AppendI32(b, int32(e.Type))
	return p.AppendFieldStop(b)
}

// ConsumeApplicationException parses an ApplicationException struct, as
// Binary's.
func (p CompactProtocol) ConsumeApplicationException(b []byte) (*ApplicationException, int) {
	e := new(ApplicationException)
	n := 0
	var last int16
	for {
		t, id, _, m := p.ConsumeFieldBegin(b[n:], last)
		if m < 0 {
			return nil, m
		}
		n += m
		last = id
		switch {
		case t == Stop:
			return e, n
		case t == Bool:
			continue
		case id == 1 && t == String:
			e.Message, m = p.ConsumeString(b[n:])
		case id == 2 && t == I32:
			var v int32
			v, m = p.ConsumeI32(b[n:])
			e.Type = ExceptionType(v)
		default:
			m = p.SkipValue(b[n:], t, DefaultDepth)
		}
		if m < 0 {
			return nil, m
		}
		n += m
	}
}
