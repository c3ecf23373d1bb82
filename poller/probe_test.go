package poller_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/ringwire/ringwire/poller"
)

func TestProbe(t *testing.T) {
	c := poller.Probe()
	t.Log(c)
	if c.Kernel == "" {
		t.Fatal("no kernel release")
	}
	if c.IOUring == (c.Reason != "") {
		t.Fatalf("IOUring %v with reason %q: exactly one of them says why", c.IOUring, c.Reason)
	}
	if runtime.GOOS == "linux" && !c.IOUring && os.Getenv("RINGWIRE_REQUIRE_IOURING") == "1" {
		t.Fatalf("RINGWIRE_REQUIRE_IOURING=1 but %s", c)
	}
	if again := poller.Probe(); fmt.Sprint(again) != fmt.Sprint(c) {
		t.Fatal("a second Probe answers differently")
	}
}

func ExampleProbe() {
	c := poller.Probe()
	if !c.IOUring {
		fmt.Println("epoll only:", c.Reason)
	}
}
