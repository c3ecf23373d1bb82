// Package usage is what the RPC benchmark's server and client processes
// report of themselves: CPU time (getrusage, the whole process) and heap
// allocations (runtime.MemStats.Mallocs).
package usage

import (
	"runtime"
	"syscall"
)

// Sample is a process's usage at one moment.
type Sample struct {
	UserNs  int64  `json:"user_ns"`
	SysNs   int64  `json:"sys_ns"`
	Mallocs uint64 `json:"mallocs"`
}

// Now samples the calling process. ReadMemStats stops the world for a
// moment: call it at the edges of a measured window, not within.
func Now() Sample {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Sample{
		UserNs:  ru.Utime.Nano(),
		SysNs:   ru.Stime.Nano(),
		Mallocs: ms.Mallocs,
	}
}

// Sub is the usage between two samples.
func (s Sample) Sub(t Sample) Sample {
	return Sample{UserNs: s.UserNs - t.UserNs, SysNs: s.SysNs - t.SysNs, Mallocs: s.Mallocs - t.Mallocs}
}

// Report is the line the benchmark's client prints at the end: its calls
// over the measured window, their latency percentiles, and its own usage.
type Report struct {
	Calls  int64   `json:"calls"`
	Errors int64   `json:"errors"`
	Secs   float64 `json:"secs"`
	P50us  float64 `json:"p50_us"`
	P99us  float64 `json:"p99_us"`
	P999us float64 `json:"p999_us"`
	Usage  Sample  `json:"usage"`
	Error  string  `json:"error,omitempty"`
}
