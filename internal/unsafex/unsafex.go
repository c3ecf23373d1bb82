// Package unsafex holds the project's uses of package unsafe outside the
// syscall ABI (internal/sys), so that each is written, documented and tested
// once.
package unsafex

import "unsafe"

// String returns a string that shares b's memory: no copy, no allocation. The
// caller must not change b while the string is in use; the string is valid
// for as long as b's memory is (for memory lent by a buffer, until its next
// Release).
func String(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
