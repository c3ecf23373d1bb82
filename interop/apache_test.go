package interop

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	apacheecho "github.com/ringwire/ringwire/interop/internal/apacheecho"
	"github.com/ringwire/ringwire/rpc"
)

// apacheHandler is the Echo service on Apache Thrift's generated
// processor.
type apacheHandler struct{ pinged chan string }

func (h *apacheHandler) Echo(ctx context.Context, m *apacheecho.Msg) (*apacheecho.Msg, error) {
	switch m.Text {
	case "oops":
		return nil, &apacheecho.Oops{Why: "because", Code: 7}
	case "fail":
		return nil, errors.New("plain failure")
	}
	return m, nil
}

func (h *apacheHandler) Sleep(ctx context.Context, m *apacheecho.Msg) (*apacheecho.Msg, error) {
	time.Sleep(time.Duration(m.N) * time.Millisecond)
	return m, nil
}

func (h *apacheHandler) Ping(ctx context.Context, m *apacheecho.Msg) error {
	h.pinged <- m.Text
	return nil
}

// apacheStack is one of Apache's transport and protocol pairings, and the
// ringwire transport that speaks it.
type apacheStack struct {
	name      string
	transport func(conf *thrift.TConfiguration) thrift.TTransportFactory
	protocol  func(conf *thrift.TConfiguration) thrift.TProtocolFactory
	conf      func() *thrift.TConfiguration
	ringwire  rpc.Transport
}

func binaryProtocol(conf *thrift.TConfiguration) thrift.TProtocolFactory {
	return thrift.NewTBinaryProtocolFactoryConf(conf)
}

func headerProtocol(conf *thrift.TConfiguration) thrift.TProtocolFactory {
	return thrift.NewTHeaderProtocolFactoryConf(conf)
}

func headerConf(id thrift.THeaderProtocolID) func() *thrift.TConfiguration {
	return func() *thrift.TConfiguration {
		return &thrift.TConfiguration{THeaderProtocolID: thrift.THeaderProtocolIDPtrMust(id)}
	}
}

var apacheStacks = []apacheStack{
	{"Framed", func(c *thrift.TConfiguration) thrift.TTransportFactory {
		return thrift.NewTFramedTransportFactoryConf(thrift.NewTTransportFactory(), c)
	}, binaryProtocol, func() *thrift.TConfiguration { return &thrift.TConfiguration{} }, rpc.Framed},
	{"Buffered", func(*thrift.TConfiguration) thrift.TTransportFactory {
		return thrift.NewTBufferedTransportFactory(8192)
	}, binaryProtocol, func() *thrift.TConfiguration { return &thrift.TConfiguration{} }, rpc.Buffered},
	{"THeader", func(c *thrift.TConfiguration) thrift.TTransportFactory {
		return thrift.NewTHeaderTransportFactoryConf(nil, c)
	}, headerProtocol, headerConf(thrift.THeaderProtocolBinary), rpc.THeader},
	{"THeaderCompact", func(c *thrift.TConfiguration) thrift.TTransportFactory {
		return thrift.NewTHeaderTransportFactoryConf(nil, c)
	}, headerProtocol, headerConf(thrift.THeaderProtocolCompact), rpc.THeaderCompact},
}

// serveApache starts Apache's simple server of the Echo service on st.
func serveApache(t *testing.T, st apacheStack) (string, <-chan string) {
	t.Helper()
	sock, err := thrift.NewTServerSocket("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := sock.Listen(); err != nil {
		t.Fatal(err)
	}
	h := &apacheHandler{pinged: make(chan string, 16)}
	conf := st.conf()
	srv := thrift.NewTSimpleServer4(apacheecho.NewEchoProcessor(h), sock, st.transport(conf), st.protocol(conf))
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return sock.Addr().String(), h.pinged
}

// TestRingwireClientApacheServer: ringwire's client against Apache's
// server on Framed and unframed binary and THeader binary and compact.
func TestRingwireClientApacheServer(t *testing.T) {
	for _, st := range apacheStacks {
		t.Run(st.name, func(t *testing.T) {
			addr, pinged := serveApache(t, st)
			c := newRingwireClient(t, addr, rpc.ClientOptions{Transport: st.ringwire})
			checkRingwireClient(t, c, true, serverTraits{
				unknown: tw.UnknownMethod, // Apache's processor
				pinged:  pinged,
				noPeer:  true,
			})
			// Apache's generated structs serve ringwire's client as they are.
			echo := rpc.NewMethod[apacheecho.Msg, apacheecho.Msg]("echo", nil, rpc.Throws[apacheecho.Oops](1))
			resp, err := echo.Call(context.Background(), c, &apacheecho.Msg{Text: "apache's types", Data: []byte{1, 2}, Meta: map[string]string{"a": "b"}})
			if err != nil || resp.Text != "apache's types" || !bytes.Equal(resp.Data, []byte{1, 2}) || resp.Meta["a"] != "b" {
				t.Fatalf("echo with Apache's structs: %v %+v", err, resp)
			}
			_, err = echo.Call(context.Background(), c, &apacheecho.Msg{Text: "oops"})
			var oops *apacheecho.Oops
			if !errors.As(err, &oops) || oops.Why != "because" {
				t.Fatalf("Apache's exception struct: %v", err)
			}
		})
	}
}

// TestApacheClientRingwireServer: Apache's generated client against
// ringwire's server on the same four.
func TestApacheClientRingwireServer(t *testing.T) {
	for _, st := range apacheStacks {
		t.Run(st.name, func(t *testing.T) {
			addr, pinged := serveRingwire(t)
			conf := st.conf()
			trans, err := st.transport(conf).GetTransport(thrift.NewTSocketConf(addr, conf))
			if err != nil {
				t.Fatal(err)
			}
			if err := trans.Open(); err != nil {
				t.Fatal(err)
			}
			defer trans.Close()
			var proto thrift.TProtocolFactory
			if st.name == "THeader" || st.name == "THeaderCompact" {
				proto = thrift.NewTHeaderProtocolFactoryConf(conf)
			} else {
				proto = thrift.NewTBinaryProtocolFactoryConf(conf)
			}
			c := apacheecho.NewEchoClientFactory(trans, proto)
			ctx := context.Background()

			for _, data := range [][]byte{[]byte("small"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)} {
				resp, err := c.Echo(ctx, &apacheecho.Msg{Text: "echo", N: 42, Data: data})
				if err != nil {
					t.Fatalf("echo of %d bytes: %v", len(data), err)
				}
				if resp.Text != "echo" || resp.N != 42 || !bytes.Equal(resp.Data, data) {
					t.Fatalf("echo of %d bytes: got %q %d, %d bytes", len(data), resp.Text, resp.N, len(resp.Data))
				}
			}
			_, err = c.Echo(ctx, &apacheecho.Msg{Text: "oops"})
			var oops *apacheecho.Oops
			if !errors.As(err, &oops) || oops.Why != "because" || oops.Code != 7 {
				t.Errorf("declared exception: %v", err)
			}
			_, err = c.Echo(ctx, &apacheecho.Msg{Text: "fail"})
			var ae thrift.TApplicationException
			if !errors.As(err, &ae) || ae.TypeId() != thrift.INTERNAL_ERROR {
				t.Errorf("handler error: %v", err)
			}
			_, err = c.Client_().Call(ctx, "nope", apacheecho.NewEchoEchoArgs(), apacheecho.NewEchoEchoResult())
			if !errors.As(err, &ae) || ae.TypeId() != int32(tw.UnknownService) {
				t.Errorf("unknown method: %v, want exception type %d", err, tw.UnknownService)
			}
			if err := c.Ping(ctx, &apacheecho.Msg{Text: "pinged"}); err != nil {
				t.Fatalf("oneway: %v", err)
			}
			select {
			case got := <-pinged:
				if got != "pinged" {
					t.Errorf("oneway delivered %q", got)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("oneway never arrived")
			}
			if resp, err := c.Echo(ctx, &apacheecho.Msg{Text: "after"}); err != nil || resp.Text != "after" {
				t.Fatalf("after the oneway: %v", err)
			}
		})
	}
}
