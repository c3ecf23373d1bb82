package rpcbench

import (
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var testDriver = NewDriver()

func TestMain(m *testing.M) {
	code := m.Run()
	if err := testDriver.Close(); err != nil {
		os.Stderr.WriteString("removing the rpc bench binaries: " + err.Error() + "\n")
	}
	if err := goleak.Find(); code == 0 && err != nil {
		os.Stderr.WriteString("goleak: " + err.Error() + "\n")
		code = 1
	}
	os.Exit(code)
}

// TestRun runs every pair on a tiny load of each mode: every call answered,
// and each side's CPU time and allocations reported. The same with and
// without -short: the race detector instruments this process only, not
// the two programs it runs.
func TestRun(t *testing.T) {
	for _, base := range Cases(0, 0) {
		c := base
		c.Callers, c.Warmup, c.Duration = 4, 100*time.Millisecond, 300*time.Millisecond
		for _, p := range Pairs {
			t.Run(c.Mode+"/"+p.String(), func(t *testing.T) {
				res, err := testDriver.Run(c, p)
				if err != nil {
					t.Fatal(err)
				}
				if res.Calls == 0 || res.Errors != 0 {
					t.Errorf("%d calls, %d errors", res.Calls, res.Errors)
				}
				if res.ServerCPUus <= 0 || res.ClientCPUus <= 0 {
					t.Errorf("CPU per call: server %v us, client %v us", res.ServerCPUus, res.ClientCPUus)
				}
				if res.ServerAllocs <= 0 || res.ClientAllocs <= 0 {
					t.Errorf("allocations per call: server %v, client %v", res.ServerAllocs, res.ClientAllocs)
				}
				if !(res.P50us > 0 && res.P50us <= res.P99us && res.P99us <= res.P999us) {
					t.Errorf("latency percentiles out of order: %v, %v, %v", res.P50us, res.P99us, res.P999us)
				}
			})
		}
	}
}
