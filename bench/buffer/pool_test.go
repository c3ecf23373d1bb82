package buffer

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bytedance/gopkg/lang/mcache"
)

// BenchmarkPoolDesign measures the choice behind buffer's node pool (see
// buffer/node.go): one sync.Pool per size class whose items are nodes with
// their memory attached, against bytedance/gopkg's mcache for the memory plus
// a pool of node structs, as netpoll builds its nodes. Each op takes a node
// with size bytes and gives it back.
//
//	cd bench && go test -run '^$' -bench PoolDesign -cpu 1 ./buffer
func BenchmarkPoolDesign(b *testing.B) {
	type node struct{ buf []byte }
	for _, size := range []int{1 << 10, 16 << 10} {
		withMemory := sync.Pool{New: func() any { return &node{buf: make([]byte, size)} }}
		structs := sync.Pool{New: func() any { return new(node) }}
		b.Run(fmt.Sprintf("%s/one-pool", sizeName(size)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nd := withMemory.Get().(*node)
				nd.buf[0] = 1
				withMemory.Put(nd)
			}
		})
		b.Run(fmt.Sprintf("%s/mcache+struct-pool", sizeName(size)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nd := structs.Get().(*node)
				nd.buf = mcache.Malloc(size)
				nd.buf[0] = 1
				mcache.Free(nd.buf)
				nd.buf = nil
				structs.Put(nd)
			}
		})
	}
}
