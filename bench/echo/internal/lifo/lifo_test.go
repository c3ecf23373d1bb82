package lifo

import "testing"

func TestLastInFirstOut(t *testing.T) {
	var s Buffers
	a, b := s.Get(), s.Get()
	a = append(a, 'a')
	b = append(b, 'b')
	s.Put(a)
	s.Put(b)
	s.Put(nil)
	if got := s.Get(); len(got) != 0 || cap(got) == 0 || &got[:1][0] != &b[0] {
		t.Fatal("Get did not return the last buffer put, emptied")
	}
	if got := s.Get(); &got[:1][0] != &a[0] {
		t.Fatal("second Get did not return the first buffer put")
	}
}
