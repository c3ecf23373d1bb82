package conn_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ringwire/ringwire/conn"
	"go.uber.org/goleak"
)

// defaultSweep is the sweep interval servers have outside the tests.
var defaultSweep time.Duration

func TestMain(m *testing.M) {
	// Sweeps race every test's traffic, not one in a hundred milliseconds.
	defaultSweep = conn.SetSweepEvery(time.Millisecond)
	code := m.Run()
	// Dial's default poller lives as long as the process, by design.
	conn.CloseDefaultPoller()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
