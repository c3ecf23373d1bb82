package rpc_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/ringwire/ringwire/poller"
	"go.uber.org/goleak"
)

// testPoller runs every test's servers and clients: conn.Dial's default
// poller lives as long as the process, which goleak would report.
var testPoller *poller.Poller

func TestMain(m *testing.M) {
	var err error
	if testPoller, err = poller.New(poller.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "poller:", err)
		os.Exit(1)
	}
	code := m.Run()
	testPoller.Close()
	if code == 0 {
		// The Example dials with conn.Dial's default poller, which lives
		// as long as the process by design: its loops are not leaks.
		if err := goleak.Find(goleak.IgnoreAnyFunction("github.com/ringwire/ringwire/poller.(*Loop).run")); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
