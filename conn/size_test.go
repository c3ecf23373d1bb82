package conn

import (
	"reflect"
	"testing"
)

// Every idle connection pays for a Conn: a field that pushes it past the
// 320-byte size class costs 32 bytes more per connection (the allocator
// rounds up to 352).
func TestConnSize(t *testing.T) {
	if n := reflect.TypeFor[Conn]().Size(); n > 320 {
		t.Errorf("Conn is %d bytes, want at most 320", n)
	}
}
