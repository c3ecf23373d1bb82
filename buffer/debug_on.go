//go:build ringwire_debug

package buffer

import (
	"fmt"
	"runtime"
	"strings"
)

// With the ringwire_debug tag, released memory is overwritten with
// PoisonByte, nodes are never reused, and a double release or a use of a
// released node or a closed buffer panics, naming where the release or the
// Close happened.

const debugEnabled = true

// PoisonByte fills memory the buffer has released, under ringwire_debug.
const PoisonByte = 0xDE

type nodeDebug struct {
	freed   bool
	freedAt []uintptr
}

type linkedDebug struct {
	closedAt []uintptr
}

func debugAcquire(nd *node) { nd.dbg = nodeDebug{} }

func debugRelease(nd *node) {
	if nd.dbg.freed {
		panic("buffer: double release of a node; first released at:\n" + formatStack(nd.dbg.freedAt))
	}
	nd.dbg.freed, nd.dbg.freedAt = true, callers()
}

func debugCheck(nd *node) {
	if nd.dbg.freed {
		panic("buffer: use of a released node; released at:\n" + formatStack(nd.dbg.freedAt))
	}
}

func debugPoison(p []byte) {
	for i := range p {
		p[i] = PoisonByte
	}
}

func debugMarkClosed(b *Linked) { b.dbg.closedAt = callers() }

func debugUseAfterClose(b *Linked) {
	panic("buffer: use of closed buffer; closed at:\n" + formatStack(b.dbg.closedAt))
}

func callers() []uintptr {
	pc := make([]uintptr, 32)
	return pc[:runtime.Callers(3, pc)]
}

func formatStack(pc []uintptr) string {
	var sb strings.Builder
	frames := runtime.CallersFrames(pc)
	for {
		f, more := frames.Next()
		fmt.Fprintf(&sb, "\t%s\n\t\t%s:%d\n", f.Function, f.File, f.Line)
		if !more {
			return sb.String()
		}
	}
}
