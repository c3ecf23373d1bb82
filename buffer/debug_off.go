//go:build !ringwire_debug

package buffer

// Without the ringwire_debug tag every check below compiles to nothing.

const debugEnabled = false

type (
	nodeDebug   struct{} //lint:ignore U1000 the ringwire_debug twin has fields
	linkedDebug struct{} //lint:ignore U1000 the ringwire_debug twin has fields
)

func debugAcquire(*node)         {}
func debugRelease(*node)         {}
func debugCheck(*node)           {}
func debugPoison([]byte)         {}
func debugMarkClosed(*Linked)    {}
func debugUseAfterClose(*Linked) {}
