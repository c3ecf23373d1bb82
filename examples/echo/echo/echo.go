// Package echo is the example's service, shared by its server and client:
// the message types, with thrift tags, and the methods, typed by them. No
// code generator is involved; a Kitex or Apache Thrift client of an IDL
// with the same shape calls it as it is:
//
//	struct Msg { 1: string text, 2: i64 n }
//	exception Oops { 1: string why }
//	service Echo {
//	    Msg echo(1: Msg m) throws (1: Oops oops)
//	    oneway void ping(1: Msg m)
//	}
package echo

import (
	"context"
	"strings"

	"github.com/ringwire/ringwire/rpc"
)

// Msg is the message echoed.
type Msg struct {
	Text string `thrift:"text,1"`
	N    int64  `thrift:"n,2"`
}

// Oops is the exception echo declares.
type Oops struct {
	Why string `thrift:"why,1"`
}

func (o *Oops) Error() string { return "oops: " + o.Why }

// Service is the service's name: what clients send in the TTHeader isn
// header.
const Service = "Echo"

// Echo returns its message, shouting when asked; a message of "" throws
// Oops. The server registers it with this handler; a client calls it
// through the same value.
var Echo = rpc.NewMethod("echo", func(ctx context.Context, m *Msg) (*Msg, error) {
	if m.Text == "" {
		return nil, &Oops{Why: "nothing to echo"}
	}
	out := *m
	if v, _ := rpc.Meta(ctx, "shout"); v == "yes" {
		out.Text = strings.ToUpper(out.Text)
	}
	return &out, nil
}, rpc.Throws[Oops](1))

// Ping is a oneway method: the server logs the message, nothing answers.
var Ping = rpc.NewMethod("ping", func(ctx context.Context, m *Msg) (*struct{}, error) {
	return nil, nil
}, rpc.Oneway())
