package frame

import "encoding/binary"

// MeshHeader is what a service mesh's sidecar puts before a message, and
// Kitex accepts (its codec's ReadMeshHeader): u16 magic 0xFFAF, u16 size of
// what follows, then a string block (u16 pair count, pairs of u16-length
// strings). Bytes of the header after the block are skipped, as Kitex
// skips them. The message follows the header.

const (
	meshFixed  = 4
	meshheader = "MeshHeader"
)

// DecodeMeshHeader parses the MeshHeader at the start of p: its pairs into
// h.Strings (h is reset first; the strings point into p), and returns the
// header's size; the message starts at p[size:]. A p shorter than the header
// gives a *NeedError.
func DecodeMeshHeader(p []byte, h *Header, lim *Limits) (size int, err error) {
	if len(p) < meshFixed {
		return 0, &NeedError{Need: meshFixed}
	}
	if m := binary.BigEndian.Uint16(p); m != meshMagic {
		return 0, malformed(meshheader, 0, "magic %#04x, want %#04x", m, meshMagic)
	}
	info := int(binary.BigEndian.Uint16(p[2:]))
	if max := lim.maxHeaderInfo(); info > max {
		return 0, tooLarge(meshheader, 2, "header of %d bytes above MaxHeaderInfo %d", info, max)
	}
	size = meshFixed + info
	if len(p) < size {
		return 0, &NeedError{Need: size}
	}
	h.Reset()
	d := infoDecoder{format: meshheader, p: p[:size], off: meshFixed}
	entries := 0
	n := d.count(&entries, lim.maxInfoEntries(), 4)
	for range n {
		k := d.str()
		h.Strings = append(h.Strings, StringPair{k, d.str()})
	}
	if d.err != nil {
		return 0, d.err
	}
	return size, nil
}
