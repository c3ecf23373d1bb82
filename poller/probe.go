package poller

import (
	"fmt"
	"strings"
	"sync"
)

// Capabilities is what Probe found out about the kernel.
type Capabilities struct {
	Kernel string // the kernel release, as uname reports it

	// IOUring is true when a ring can be set up and has every operation the
	// io_uring backend uses; Reason says why not when it is false.
	IOUring bool
	Reason  string

	// The setup flags that work, the first the backend's preference:
	// SINGLE_ISSUER|DEFER_TASKRUN (6.1), then COOP_TASKRUN|TASKRUN_FLAG (5.19).
	DeferTaskrun bool
	CoopTaskrun  bool

	ExtArg          bool // timeouts passed to io_uring_enter (5.11)
	RegisteredRing  bool // ring descriptor registration (5.18)
	MultishotAccept bool // 5.19
	MultishotRecv   bool // 6.0
	BufferRing      bool // provided buffer rings (5.19)
	SendZC          bool // zero-copy sendmsg (6.1)

	Ops []string // the opcodes the kernel reports, of those the backend may use
}

// String is one line for a log: the kernel and what the backend can use.
func (c Capabilities) String() string {
	if !c.IOUring {
		return fmt.Sprintf("kernel %s: io_uring unavailable: %s", c.Kernel, c.Reason)
	}
	var have []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"defer_taskrun", c.DeferTaskrun}, {"coop_taskrun", c.CoopTaskrun}, {"ext_arg", c.ExtArg},
		{"registered_ring", c.RegisteredRing}, {"multishot_accept", c.MultishotAccept},
		{"multishot_recv", c.MultishotRecv}, {"buffer_ring", c.BufferRing}, {"send_zc", c.SendZC},
	} {
		if f.ok {
			have = append(have, f.name)
		}
	}
	return fmt.Sprintf("kernel %s: io_uring with %s; ops %s", c.Kernel, strings.Join(have, " "), strings.Join(c.Ops, " "))
}

// Probe reports what the kernel supports. It sets up and tears down small
// rings the first time it is called, and returns the same answer after.
// A kernel without io_uring, or with it disabled by sysctl or seccomp, is a
// normal answer, not an error.
func Probe() Capabilities { return probeOnce() }

var probeOnce = sync.OnceValue(probe)
