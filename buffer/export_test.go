package buffer

// HeldNodes counts the nodes b holds: its chain, whether read or not, and the
// copies waiting for Release.
func (b *Linked) HeldNodes() int {
	n := len(b.scratch)
	for nd := b.chain(); nd != nil; nd = nd.next.Load() {
		n++
	}
	return n
}

// NodeSizes lists the capacity of each node in b's chain, in order.
func (b *Linked) NodeSizes() []int {
	var sizes []int
	for nd := b.chain(); nd != nil; nd = nd.next.Load() {
		sizes = append(sizes, len(nd.buf))
	}
	return sizes
}

// FreeFirstNode frees the first node of b's chain, behind b's back: what a
// reference-counting bug in this package would do.
func (b *Linked) FreeFirstNode() { b.chain().free() }

const MinNodeSize = minNodeSize
const DebugEnabled = debugEnabled
