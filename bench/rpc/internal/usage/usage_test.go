package usage

import "testing"

func TestSub(t *testing.T) {
	a := Sample{UserNs: 10, SysNs: 20, Mallocs: 30}
	b := Sample{UserNs: 15, SysNs: 27, Mallocs: 40}
	if got, want := b.Sub(a), (Sample{UserNs: 5, SysNs: 7, Mallocs: 10}); got != want {
		t.Errorf("Sub: %+v, want %+v", got, want)
	}
}

// TestNowCounts: work between two samples shows as CPU time and
// allocations.
func TestNowCounts(t *testing.T) {
	before := Now()
	var keep [][]byte
	for i := 0; i < 200000; i++ {
		keep = append(keep, make([]byte, 64))
		if len(keep) > 1000 {
			keep = keep[:0]
		}
	}
	d := Now().Sub(before)
	if d.UserNs+d.SysNs <= 0 {
		t.Errorf("no CPU time counted: %+v", d)
	}
	if d.Mallocs < 200000 {
		t.Errorf("%d allocations counted, want at least 200000", d.Mallocs)
	}
}
