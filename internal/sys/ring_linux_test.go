package sys

import (
	"os"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

func newTestRing(t *testing.T, entries uint32) *Ring {
	t.Helper()
	// A SINGLE_ISSUER ring takes registrations and submissions from the
	// thread that made it only (another gets EEXIST), and its registered
	// descriptor is that thread's: the test stays on one thread until its
	// cleanups, which close the ring, have run. (Unlocked, a test failed
	// once in about a dozen make test runs with "IORING_REGISTER_PBUF_RING:
	// file exists".)
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	r, err := NewRing(entries, 4*entries, SetupSingleIssuer|SetupDeferTaskrun|SetupSubmitAll)
	if err != nil {
		if os.Getenv("RINGWIRE_REQUIRE_IOURING") == "1" {
			t.Fatalf("%v, and RINGWIRE_REQUIRE_IOURING=1", err)
		}
		t.Skip(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

func TestRingSizes(t *testing.T) {
	if s := unsafe.Sizeof(SQE{}); s != 64 {
		t.Errorf("SQE is %d bytes, want 64", s)
	}
	if s := unsafe.Sizeof(CQE{}); s != 16 {
		t.Errorf("CQE is %d bytes, want 16", s)
	}
	if s := unsafe.Sizeof(getEventsArg{}); s != 24 {
		t.Errorf("getevents arg is %d bytes, want 24", s)
	}
}

// NOPs round-trip with their user data, more of them than the SQ holds.
func TestRingNop(t *testing.T) {
	r := newTestRing(t, 8)
	var got []uint64
	for i := range uint64(20) {
		sqe := r.SQE()
		if sqe == nil {
			if _, err := r.Enter(false, 0); err != nil {
				t.Fatal(err)
			}
			r.Completions(func(c *CQE) { got = append(got, c.UserData) })
			sqe = r.SQE()
		}
		sqe.Opcode, sqe.UserData = OpNop, i
	}
	for len(got) < 20 {
		if _, err := r.Enter(true, time.Second); err != nil {
			t.Fatal(err)
		}
		r.Completions(func(c *CQE) {
			if c.Res != 0 {
				t.Errorf("NOP %d: res %d", c.UserData, c.Res)
			}
			got = append(got, c.UserData)
		})
	}
	for i, u := range got {
		if u != uint64(i) {
			t.Fatalf("completions out of order: %v", got)
		}
	}
}

// A wait with nothing to complete returns after its timeout, without error.
func TestRingWaitTimeout(t *testing.T) {
	r := newTestRing(t, 4)
	start := time.Now()
	if _, err := r.Enter(true, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 10*time.Millisecond { // it waited, not returned at once
		t.Fatalf("returned after %v", d)
	}
	if n := r.Completions(func(*CQE) {}); n != 0 {
		t.Fatalf("%d completions from nothing", n)
	}
}
