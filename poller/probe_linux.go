package poller

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/ringwire/ringwire/internal/sys"
	"golang.org/x/sys/unix"
)

// The opcodes the io_uring backend may use, by name.
var probedOps = []struct {
	name string
	op   int
}{
	{"accept", sys.OpAccept}, {"recv", sys.OpRecv}, {"send", sys.OpSend}, {"sendmsg_zc", sys.OpSendmsgZC},
	{"connect", sys.OpConnect}, {"close", sys.OpClose}, {"shutdown", sys.OpShutdown},
	{"async_cancel", sys.OpAsyncCancel}, {"timeout", sys.OpTimeout}, {"read", sys.OpRead},
}

func probe() Capabilities {
	// A SINGLE_ISSUER ring answers only the thread that set it up: stay on it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var c Capabilities
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		c.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	version := kernelVersion(c.Kernel)

	// The first flag set that sets up decides; each later one is a fallback.
	var (
		fd      = -1
		lastErr error
	)
	for _, f := range []struct {
		flags uint32
		set   *bool
	}{
		{sys.SetupSingleIssuer | sys.SetupDeferTaskrun | sys.SetupSubmitAll, &c.DeferTaskrun},
		{sys.SetupCoopTaskrun | sys.SetupTaskrunFlag, &c.CoopTaskrun},
		{0, nil},
	} {
		p := sys.Params{Flags: f.flags}
		rfd, err := sys.Setup(4, &p)
		if err != nil {
			lastErr = err
			continue
		}
		if f.set != nil {
			*f.set = true
		}
		if fd < 0 {
			fd = rfd
			c.ExtArg = p.Features&sys.FeatExtArg != 0
		} else {
			unix.Close(rfd)
		}
	}
	if fd < 0 {
		c.Reason = setupFailure(lastErr)
		return c
	}
	defer unix.Close(fd)

	var pr sys.Probe
	if err := sys.RegisterProbeOps(fd, &pr); err != nil {
		c.Reason = fmt.Sprintf("IORING_REGISTER_PROBE: %v", err)
		return c
	}
	supported := func(op int) bool { return op < len(pr.Ops) && pr.Ops[op].Flags&sys.OpSupported != 0 }
	for _, o := range probedOps {
		if supported(o.op) {
			c.Ops = append(c.Ops, o.name)
		}
	}
	// Flags of an opcode are not in the probe; the kernel version tells.
	c.RegisteredRing = atLeast(version, 5, 18)
	c.MultishotAccept = supported(sys.OpAccept) && atLeast(version, 5, 19)
	c.BufferRing = atLeast(version, 5, 19)
	c.MultishotRecv = supported(sys.OpRecv) && atLeast(version, 6, 0)
	c.SendZC = supported(sys.OpSendmsgZC)

	switch {
	case !c.DeferTaskrun && !c.CoopTaskrun:
		c.Reason = "neither DEFER_TASKRUN nor COOP_TASKRUN: without them io_uring measured slower than epoll (RESEARCH.md)"
	case !c.ExtArg:
		c.Reason = "no IORING_FEAT_EXT_ARG for wait timeouts"
	case !c.MultishotAccept || !c.MultishotRecv || !c.BufferRing:
		c.Reason = "no multishot accept and receive with a provided buffer ring (kernel 6.0 or later)"
	default:
		c.IOUring = true
	}
	return c
}

// setupFailure explains why io_uring_setup failed.
func setupFailure(err error) string {
	why := fmt.Sprintf("io_uring_setup: %v", err)
	if b, rerr := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); rerr == nil {
		switch strings.TrimSpace(string(b)) {
		case "1":
			why += " (sysctl kernel.io_uring_disabled=1: only members of kernel.io_uring_group may create rings)"
		case "2":
			why += " (disabled by sysctl kernel.io_uring_disabled=2)"
		}
	}
	switch err {
	case unix.ENOSYS:
		why += " (the kernel lacks io_uring, or a seccomp filter hides it)"
	case unix.EPERM:
		why += " (not permitted: a sysctl or a seccomp filter)"
	}
	return why
}

// kernelVersion parses "6.18.44-fc" into [6 18].
func kernelVersion(release string) [2]int {
	var v [2]int
	parts := strings.SplitN(release, ".", 3)
	for i := 0; i < 2 && i < len(parts); i++ {
		n := parts[i]
		if j := strings.IndexFunc(n, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
			n = n[:j]
		}
		v[i], _ = strconv.Atoi(n)
	}
	return v
}

func atLeast(v [2]int, major, minor int) bool {
	return v[0] > major || v[0] == major && v[1] >= minor
}
