package buffer_test

import (
	"encoding/binary"
	"fmt"

	"github.com/ringwire/ringwire/buffer"
)

// A length-framed message: the writer reserves the header, writes the
// payload, then fills in the length; the reader takes the payload as a
// zero-copy Slice that outlives the buffer's Release.
func Example() {
	var b buffer.Linked
	defer b.Close()

	// Write side.
	hdr, _ := b.Malloc(4)
	n, _ := b.Write([]byte("hello, ringwire"))
	binary.BigEndian.PutUint32(hdr, uint32(n))
	b.Flush()

	// Read side.
	p, _ := b.Next(4)
	size := int(binary.BigEndian.Uint32(p))
	frame, _ := b.Slice(size)
	b.Release()

	body, _ := frame.Next(frame.Len())
	fmt.Printf("%d bytes: %s\n", size, body)
	frame.(*buffer.Linked).Close()
	// Output: 15 bytes: hello, ringwire
}

// Views and Advance are what a connection's send path uses: the flushed
// bytes as iovecs for writev, then a release of what the kernel took.
func ExampleLinked_Views() {
	var b buffer.Linked
	defer b.Close()
	b.Write([]byte("small header "))
	b.Append([]byte("large payload, linked without a copy"), nil)
	b.Flush()

	iov := b.Views(make([][]byte, 0, 8))
	fmt.Println(len(iov), "iovecs")
	b.Advance(20) // say writev wrote 20 bytes
	rest, _ := b.Next(b.Len())
	fmt.Printf("%s\n", rest)
	// Output:
	// 2 iovecs
	// ayload, linked without a copy
}
