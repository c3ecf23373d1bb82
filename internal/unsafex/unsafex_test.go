package unsafex

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestString(t *testing.T) {
	b := []byte("shared")
	s := String(b)
	if s != "shared" {
		t.Fatalf("got %q", s)
	}
	b[0] = 'S' // the string shares b's memory: it sees the change
	if s != "Shared" {
		t.Fatalf("after a change to b: %q", s)
	}
	if String(nil) != "" || String([]byte{}) != "" {
		t.Fatal("empty input gives a non-empty string")
	}
	if n := testing.AllocsPerRun(100, func() { _ = String(b) }); n != 0 {
		t.Fatalf("%.0f allocations", n)
	}
}
