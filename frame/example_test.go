package frame_test

import (
	"fmt"

	"github.com/ringwire/ringwire/frame"
)

// Framed frames from a byte slice, as captured off the wire.
func Example() {
	wire := frame.AppendFramed(nil, []byte("first"))
	wire = frame.AppendFramed(wire, []byte("second"))
	for len(wire) > 0 {
		payload, size, err := frame.DecodeFramed(wire, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s\n", payload)
		wire = wire[size:]
	}
	// Output:
	// first
	// second
}
