package interop

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/cloudwego/kitex/pkg/klog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	klog.SetOutput(io.Discard) // Kitex logs each connection it closes
	code := m.Run()
	if code == 0 {
		// Kitex and netpoll keep process-wide goroutines (pollers, pools,
		// timers) by design; ringwire's must all be gone.
		err := goleak.Find(
			goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"),
			goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait.func1"),
			goleak.IgnoreAnyFunction("github.com/bytedance/gopkg/util/gopool.(*worker).run.func1"),
			goleak.IgnoreAnyFunction("github.com/cloudwego/kitex/pkg/utils.(*SharedTicker).Tick"),
			goleak.IgnoreAnyFunction("github.com/cloudwego/kitex/pkg/loadbalance/lbcache.(*BalancerFactory).watcher"),
			goleak.IgnoreAnyFunction("github.com/cloudwego/kitex/client.(*timeoutPool).createTicker.func1"),
			goleak.IgnoreAnyFunction("github.com/cloudwego/kitex/client.(*timeoutPool).createWorker.func1"),
			goleak.IgnoreAnyFunction("github.com/ringwire/ringwire/poller.(*Loop).run"),
		)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
