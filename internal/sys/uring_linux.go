package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// io_uring's kernel ABI (include/uapi/linux/io_uring.h), as much of it as
// ringwire uses.

// Setup flags (io_uring_setup(2)).
const (
	SetupCQSize       = 1 << 3
	SetupClamp        = 1 << 4
	SetupSubmitAll    = 1 << 7
	SetupCoopTaskrun  = 1 << 8
	SetupTaskrunFlag  = 1 << 9
	SetupSingleIssuer = 1 << 12
	SetupDeferTaskrun = 1 << 13
)

// Features the kernel reports in Params.Features.
const (
	FeatSingleMmap     = 1 << 0
	FeatNoDrop         = 1 << 1
	FeatFastPoll       = 1 << 5
	FeatExtArg         = 1 << 8
	FeatRegRegRing     = 1 << 13
	FeatRecvsendBundle = 1 << 14
)

// Opcodes.
const (
	OpNop            = 0
	OpTimeout        = 11
	OpAccept         = 13
	OpAsyncCancel    = 14
	OpConnect        = 16
	OpClose          = 19
	OpRead           = 22
	OpWrite          = 23
	OpSend           = 26
	OpRecv           = 27
	OpProvideBuffers = 31
	OpShutdown       = 34
	OpSendZC         = 47
	OpSendmsgZC      = 48
	OpLast           = 64 // ops probed: enough for every opcode above
)

// Register opcodes (io_uring_register(2)).
const (
	RegisterProbe      = 8
	RegisterRingFDs    = 20
	RegisterPbufRing   = 22
	UnregisterPbufRing = 23
)

// OpSupported is the flag Probe sets on an opcode the kernel knows.
const OpSupported = 1 << 0

// Params is struct io_uring_params.
type Params struct {
	SQEntries    uint32
	CQEntries    uint32
	Flags        uint32
	SQThreadCPU  uint32
	SQThreadIdle uint32
	Features     uint32
	WQFd         uint32
	resv         [3]uint32
	SQOff        SQRingOffsets
	CQOff        CQRingOffsets
}

// SQRingOffsets is struct io_sqring_offsets.
type SQRingOffsets struct {
	Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, resv1 uint32
	UserAddr                                                        uint64
}

// CQRingOffsets is struct io_cqring_offsets.
type CQRingOffsets struct {
	Head, Tail, RingMask, RingEntries, Overflow, CQEs, Flags, resv1 uint32
	UserAddr                                                        uint64
}

// Probe is struct io_uring_probe with room for OpLast opcodes.
type Probe struct {
	LastOp uint8
	OpsLen uint8
	resv   uint16
	resv2  [3]uint32
	Ops    [OpLast]ProbeOp
}

// ProbeOp is struct io_uring_probe_op.
type ProbeOp struct {
	Op    uint8
	resv  uint8
	Flags uint16
	resv2 uint32
}

// Setup creates a ring: io_uring_setup(2).
func Setup(entries uint32, p *Params) (int, error) {
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// RegisterProbeOps fills p with the opcodes the kernel supports.
func RegisterProbeOps(fd int, p *Probe) error {
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(fd), RegisterProbe,
		uintptr(unsafe.Pointer(p)), OpLast, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
