package codec

import "testing"

// The type table finds every key it was given, whatever their hashes,
// through growth, and a key it was not given finds an empty slot.
func TestTypeTable(t *testing.T) {
	tab := &typeTable{mask: 15, slots: make([]typeSlot, 16)}
	want := map[uintptr]*compiled{}
	for i := range 1000 {
		// Type words are 8-aligned; 4096 apart gives equal low bits and
		// tests the hash, i%7 a few neighbours.
		key := uintptr(0x10000 + i*4096 + (i%7)*8)
		c := new(compiled)
		tab = tab.with(key, c)
		want[key] = c
		if 2*tab.n > len(tab.slots) {
			t.Fatalf("%d types in %d slots", tab.n, len(tab.slots))
		}
	}
	for key, c := range want {
		if got := tab.slot(key).c; got != c {
			t.Fatalf("key %#x: got %p, want %p", key, got, c)
		}
	}
	if got := tab.slot(8).c; got != nil {
		t.Fatalf("a key never added found %p", got)
	}
}
