//go:build !linux

package poller

import "runtime"

func probe() Capabilities {
	return Capabilities{Kernel: runtime.GOOS, Reason: "io_uring is Linux-only"}
}
