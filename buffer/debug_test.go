//go:build ringwire_debug

package buffer_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ringwire/ringwire/buffer"
)

// mustPanic runs f and returns the panic message, failing if f returns.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

func TestDebugPoisonsReleasedMemory(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	b.Write([]byte("secret"))
	b.Flush()
	p, _ := b.Next(6)
	b.Release() // frees the node: p is now a view of dead memory
	if !bytes.Equal(p, bytes.Repeat([]byte{buffer.PoisonByte}, 6)) {
		t.Fatalf("released memory reads %q, want poison", p)
	}
}

// Memory the buffer does not own is never poisoned: a caller's constant
// appended without a hook reads the same the second time.
func TestDebugLeavesCallerMemoryAlone(t *testing.T) {
	hdr := []byte("HTTP/1.1 200 OK\r\n")
	for range 2 {
		var b buffer.Linked
		b.Append(hdr, nil)
		b.Flush()
		if p, _ := b.Next(len(hdr)); string(p) != "HTTP/1.1 200 OK\r\n" {
			t.Fatalf("appended memory reads %q", p)
		}
		b.Release()
		b.Close()
	}
}

func TestDebugUseAfterClosePanics(t *testing.T) {
	var b buffer.Linked
	b.Write([]byte("x"))
	b.Flush()
	r, _ := b.Slice(1)
	r.(*buffer.Linked).Close() // the line the panic must name
	msg := mustPanic(t, func() { r.Next(1) })
	if !strings.Contains(msg, "use of closed buffer") || !strings.Contains(msg, "debug_test.go") {
		t.Fatalf("panic does not say what and where:\n%s", msg)
	}
	b.Close()
}

func TestDebugDoubleReleasePanics(t *testing.T) {
	var b buffer.Linked
	b.Write([]byte("x"))
	b.Flush()
	b.FreeFirstNode() // a reference-counting bug frees the node early
	msg := mustPanic(t, func() { b.Next(1) })
	if !strings.Contains(msg, "use of a released node") || !strings.Contains(msg, "FreeFirstNode") {
		t.Fatalf("use after release: panic does not say what and where:\n%s", msg)
	}
	msg = mustPanic(t, func() { b.Close() })
	if !strings.Contains(msg, "double release") || !strings.Contains(msg, "FreeFirstNode") {
		t.Fatalf("double release: panic does not say what and where:\n%s", msg)
	}
}
