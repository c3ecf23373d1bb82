package conn

import "time"

// CloseDefaultPoller stops the poller Dial starts when given none, so that
// a test binary can check for leaked goroutines after.
func CloseDefaultPoller() {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if defEngine != nil {
		defEngine.p.Close()
		defEngine = nil
	}
}

// SetSweepEvery sets how often servers started after it give back drained
// connections' buffers, and returns what it was.
func SetSweepEvery(d time.Duration) time.Duration {
	old := sweepEvery
	sweepEvery = d
	return old
}

// HeldBuffers reports how many of its two buffers c holds.
func HeldBuffers(c *Conn) int {
	n := 0
	if c.in.Load() != nil {
		n++
	}
	if c.out.Load() != nil {
		n++
	}
	return n
}

// SetParkHook makes f run in reads and flushes between their reading of
// the deadline and their wait; nil removes it.
func SetParkHook(f func()) { testHookPark = f }
