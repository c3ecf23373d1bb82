package conn_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/ringwire/ringwire/conn"
)

// A framed echo server (a 4-byte big-endian length, then the payload) and a
// client, both on conn.
func Example() {
	s := &conn.Server{
		// Called on a pooled goroutine when the connection has data; reads
		// wait for the bytes they ask for.
		Handler: func(c *conn.Conn) error {
			hdr, err := c.Next(4)
			if err != nil {
				return err
			}
			n := int(binary.BigEndian.Uint32(hdr))
			payload, err := c.Next(n)
			if err != nil {
				return err
			}
			out, err := c.Malloc(4 + n) // written in place, sent without a copy
			if err != nil {
				return err
			}
			binary.BigEndian.PutUint32(out, uint32(n))
			copy(out[4:], payload)
			c.Release() // payload is not used after this
			return c.Flush()
		},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()

	c, err := conn.Dial(context.Background(), "tcp", l.Addr().String(), nil)
	if err != nil {
		panic(err)
	}
	req, _ := c.Malloc(4 + 5)
	binary.BigEndian.PutUint32(req, 5)
	copy(req[4:], "hello")
	c.Flush()
	hdr, _ := c.Next(4)
	reply, _ := c.Next(int(binary.BigEndian.Uint32(hdr)))
	fmt.Printf("%s\n", reply)
	c.Close()

	s.Shutdown(context.Background())
	fmt.Println(errors.Is(<-served, conn.ErrServerClosed))
	// Output:
	// hello
	// true
}
