package sys

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The structs must match the kernel's sizes, or every field after a mistake
// reads garbage.
func TestABISizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"io_uring_params", unsafe.Sizeof(Params{}), 120},
		{"io_sqring_offsets", unsafe.Sizeof(SQRingOffsets{}), 40},
		{"io_cqring_offsets", unsafe.Sizeof(CQRingOffsets{}), 40},
		{"io_uring_probe_op", unsafe.Sizeof(ProbeOp{}), 8},
		{"io_uring_probe", unsafe.Sizeof(Probe{}), 16 + 8*OpLast},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, c.got, c.want)
		}
	}
}

func TestSetupAndProbe(t *testing.T) {
	var p Params
	fd, err := Setup(4, &p)
	if err != nil {
		if os.Getenv("RINGWIRE_REQUIRE_IOURING") == "1" {
			t.Fatalf("io_uring_setup: %v, and RINGWIRE_REQUIRE_IOURING=1", err)
		}
		t.Skipf("io_uring_setup: %v (the poller's Probe reports this case)", err)
	}
	defer unix.Close(fd)
	if p.SQEntries != 4 || p.CQEntries < 4 {
		t.Fatalf("ring of %d/%d entries", p.SQEntries, p.CQEntries)
	}
	var probe Probe
	if err := RegisterProbeOps(fd, &probe); err != nil {
		t.Fatal(err)
	}
	if probe.Ops[OpNop].Flags&OpSupported == 0 || probe.LastOp < OpRecv {
		t.Fatalf("probe: last op %d, NOP flags %#x", probe.LastOp, probe.Ops[OpNop].Flags)
	}
}
