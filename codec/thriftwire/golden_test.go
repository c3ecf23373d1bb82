package thriftwire_test

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"testing"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// What Apache Thrift v0.22.0's TBinaryProtocol and TCompactProtocol wrote
// for one CALL "Echo", seqid 7, whose args struct holds a value of every type
// (field ids chosen to exercise compact's short and long field headers),
// followed by a TApplicationException{UNKNOWN_METHOD, "no such method"}.
var (
	apacheBinary  = unhex("80010001000000044563686f0000000702000101030002fd060003fed4080005000186a00a0014ffffff0000000000040015400a0000000000000b00160000000668c3a96c6c6f0f0017080000000300000001fffffffe000000030e00180b0000001400000001300000000131000000013200000001330000000134000000013500000001360000000137000000013800000001390000000231300000000231310000000231320000000231330000000231340000000231350000000231360000000231370000000231380000000231390d00190b0a00000001000000016100000000000000010d001a0b0a0000000010001b0102030405060708090a0b0c0d0e0f100c001c02000100000f001d02000000020100080003ffffffff000b00010000000e6e6f2073756368206d6574686f640800020000000100")
	apacheCompact = unhex("822107044563686f1113fd14d70425c09a0cf6ffffffffff3f170000000000000a40180668c3a96c6c6f19350203061af81401300131013201330134013501360137013801390231300231310231320231330231340231350231360231370231380231391b01860161021b001d0102030405060708090a0b0c0d0e0f101c12001921010205060100180e6e6f2073756368206d6574686f64150200")
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	uuid    = [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	appExc  = &tw.ApplicationException{Type: tw.UnknownMethod, Message: "no such method"}
	setElem = func(i int) string { return strconv.Itoa(i) }
)

func encodeBinary() []byte {
	p := tw.Binary
	b := p.AppendMessageBegin(nil, "Echo", tw.Call, 7)
	b = p.AppendBool(p.AppendFieldBegin(b, tw.Bool, 1), true)
	b = p.AppendByte(p.AppendFieldBegin(b, tw.Byte, 2), -3)
	b = p.AppendI16(p.AppendFieldBegin(b, tw.I16, 3), -300)
	b = p.AppendI32(p.AppendFieldBegin(b, tw.I32, 5), 100000)
	b = p.AppendI64(p.AppendFieldBegin(b, tw.I64, 20), -1<<40)
	b = p.AppendDouble(p.AppendFieldBegin(b, tw.Double, 21), 3.25)
	b = p.AppendString(p.AppendFieldBegin(b, tw.String, 22), "héllo")
	b = p.AppendListBegin(p.AppendFieldBegin(b, tw.List, 23), tw.I32, 3)
	b = p.AppendI32(p.AppendI32(p.AppendI32(b, 1), -2), 3)
	b = p.AppendListBegin(p.AppendFieldBegin(b, tw.Set, 24), tw.String, 20)
	for i := range 20 {
		b = p.AppendString(b, setElem(i))
	}
	b = p.AppendMapBegin(p.AppendFieldBegin(b, tw.Map, 25), tw.String, tw.I64, 1)
	b = p.AppendI64(p.AppendString(b, "a"), 1)
	b = p.AppendMapBegin(p.AppendFieldBegin(b, tw.Map, 26), tw.String, tw.I64, 0)
	b = p.AppendUUID(p.AppendFieldBegin(b, tw.UUID, 27), uuid)
	b = p.AppendFieldBegin(b, tw.Struct, 28)
	b = p.AppendFieldStop(p.AppendBool(p.AppendFieldBegin(b, tw.Bool, 1), false))
	b = p.AppendListBegin(p.AppendFieldBegin(b, tw.List, 29), tw.Bool, 2)
	b = p.AppendBool(p.AppendBool(b, true), false)
	b = p.AppendI32(p.AppendFieldBegin(b, tw.I32, 3), -1)
	b = p.AppendFieldStop(b)
	return p.AppendApplicationException(b, appExc)
}

func encodeCompact() []byte {
	p := tw.Compact
	b := p.AppendMessageBegin(nil, "Echo", tw.Call, 7)
	b = p.AppendFieldBool(b, true, 1, 0)
	b = p.AppendByte(p.AppendFieldBegin(b, tw.Byte, 2, 1), -3)
	b = p.AppendI16(p.AppendFieldBegin(b, tw.I16, 3, 2), -300)
	b = p.AppendI32(p.AppendFieldBegin(b, tw.I32, 5, 3), 100000)
	b = p.AppendI64(p.AppendFieldBegin(b, tw.I64, 20, 5), -1<<40)
	b = p.AppendDouble(p.AppendFieldBegin(b, tw.Double, 21, 20), 3.25)
	b = p.AppendString(p.AppendFieldBegin(b, tw.String, 22, 21), "héllo")
	b = p.AppendListBegin(p.AppendFieldBegin(b, tw.List, 23, 22), tw.I32, 3)
	b = p.AppendI32(p.AppendI32(p.AppendI32(b, 1), -2), 3)
	b = p.AppendListBegin(p.AppendFieldBegin(b, tw.Set, 24, 23), tw.String, 20)
	for i := range 20 {
		b = p.AppendString(b, setElem(i))
	}
	b = p.AppendMapBegin(p.AppendFieldBegin(b, tw.Map, 25, 24), tw.String, tw.I64, 1)
	b = p.AppendI64(p.AppendString(b, "a"), 1)
	b = p.AppendMapBegin(p.AppendFieldBegin(b, tw.Map, 26, 25), tw.String, tw.I64, 0)
	b = p.AppendUUID(p.AppendFieldBegin(b, tw.UUID, 27, 26), uuid)
	b = p.AppendFieldBegin(b, tw.Struct, 28, 27)
	b = p.AppendFieldStop(p.AppendFieldBool(b, false, 1, 0))
	b = p.AppendListBegin(p.AppendFieldBegin(b, tw.List, 29, 28), tw.Bool, 2)
	b = p.AppendBool(p.AppendBool(b, true), false)
	b = p.AppendI32(p.AppendFieldBegin(b, tw.I32, 3, 29), -1)
	b = p.AppendFieldStop(b)
	return p.AppendApplicationException(b, appExc)
}

func TestGoldenEncode(t *testing.T) {
	if got := encodeBinary(); !bytes.Equal(got, apacheBinary) {
		t.Errorf("binary\n%x\nApache wrote\n%x", got, apacheBinary)
	}
	if got := encodeCompact(); !bytes.Equal(got, apacheCompact) {
		t.Errorf("compact\n%x\nApache wrote\n%x", got, apacheCompact)
	}
}
