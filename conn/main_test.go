package conn_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/ringwire/ringwire/conn"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
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
