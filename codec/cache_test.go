package codec_test

import (
	"sync"
	"testing"

	"github.com/ringwire/ringwire/codec"
)

type cacheA struct {
	A int32 `thrift:"a,1"`
}
type cacheB struct {
	B string `thrift:"b,1"`
}
type cacheC struct {
	C []int64 `thrift:"c,1"`
}

// Types compiled for the first time by many goroutines at once: each gets
// a working table, whichever goroutine's compilation is published.
func TestCompileConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				var v any
				switch (g + i) % 3 {
				case 0:
					v = &cacheA{A: int32(i)}
				case 1:
					v = &cacheB{B: "b"}
				default:
					v = &cacheC{C: []int64{int64(i)}}
				}
				b, err := codec.Marshal(v)
				if err != nil {
					t.Error(err)
					return
				}
				if err := codec.Unmarshal(b, v); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
