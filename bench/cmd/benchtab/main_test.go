package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ringwire/ringwire/bench/echo"
)

const sample = `goos: linux
BenchmarkFramedRead/64B/ringwire         	36083509	        32.43 ns/op	2096.58 MB/s	       0 B/op	       0 allocs/op
BenchmarkFramedRead/64B/netpoll-2        	44091154	        26.58 ns/op	2558.02 MB/s	       0 B/op	       0 allocs/op
BenchmarkFramedRead/64B/bufio            	26388853	        44.25 ns/op	1536.79 MB/s	       4 B/op	       1 allocs/op
PASS
`

func TestParse(t *testing.T) {
	rs := parse(sample)
	if len(rs) != 3 {
		t.Fatalf("parsed %d results, want 3", len(rs))
	}
	want := []result{
		{"FramedRead/64B/ringwire", 32.43, 0, 0},
		{"FramedRead/64B/netpoll", 26.58, 0, 0},
		{"FramedRead/64B/bufio", 44.25, 4, 1},
	}
	for i, w := range want {
		if rs[i] != w {
			t.Errorf("result %d = %+v, want %+v", i, rs[i], w)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRenderRatios(t *testing.T) {
	samples := map[string][]result{}
	var order []string
	for _, r := range append(parse(sample), parse(sample)...) {
		if _, ok := samples[r.name]; !ok {
			order = append(order, r.name)
		}
		samples[r.name] = append(samples[r.name], r)
	}
	s := suite{key: "buffer", title: "t", bench: "FramedRead", goal: "netpoll"}
	table := render(s, order, samples, map[string]float64{"FramedRead/64B/ringwire": 622}, 2, "1s", 1)
	for _, want := range []string{
		"| case | ringwire | netpoll | bufio | ringwire / netpoll | ringwire / best peer |",
		"| 64B | 32.4 ns, 0 B, 0 allocs, 622 instr | 26.6 ns, 0 B, 0 allocs | 44.2 ns, 4 B, 1 allocs | 1.22x | 1.22x |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestSplice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := splice(path, "buffer", "table one\n"); err != nil {
		t.Fatal(err)
	}
	if err := splice(path, "conn", "conn table\n"); err != nil {
		t.Fatal(err)
	}
	if err := splice(path, "buffer", "table two\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# Benchmarks\n\n<!-- benchtab:buffer -->\ntable two\n<!-- /benchtab:buffer -->\n\n" +
		"<!-- benchtab:conn -->\nconn table\n<!-- /benchtab:conn -->\n"
	if string(got) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}

func TestMedianOfSkipsEmptyRuns(t *testing.T) {
	rs := []echo.Result{{Msgs: 0}, {Msgs: 10, CPUus: 2}, {Msgs: 10, CPUus: 4}}
	m, ok := medianOf(rs)
	if !ok || m.cpu != 3 {
		t.Fatalf("median %+v, %v; want cpu 3 from the two runs with replies", m, ok)
	}
	if _, ok := medianOf([]echo.Result{{Msgs: 0}}); ok {
		t.Fatal("a median from runs without replies")
	}
}

func TestBenchPattern(t *testing.T) {
	re := strings.Split(benchPattern("Codec/encode-small/ringwire"), "/")
	for i, level := range []string{"BenchmarkCodec", "encode-small", "ringwire"} {
		if !regexp.MustCompile(re[i]).MatchString(level) {
			t.Errorf("level %d: %q does not match %q", i, re[i], level)
		}
	}
	if regexp.MustCompile(re[1]).MatchString("encode-small-compact") {
		t.Error("the pattern also matches encode-small-compact")
	}
}

// ringwire's other columns (ringwire-write) are not peers: the best-peer
// ratio skips them.
func TestRenderSkipsOwnColumns(t *testing.T) {
	const out = `BenchmarkCodec/encode/ringwire         	1000	        20.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCodec/encode/ringwire-write   	1000	        10.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCodec/encode/kitex            	1000	        40.0 ns/op	       0 B/op	       0 allocs/op
`
	samples := map[string][]result{}
	var order []string
	for _, r := range parse(out) {
		order = append(order, r.name)
		samples[r.name] = append(samples[r.name], r)
	}
	table := render(suite{key: "codec", title: "t", bench: "Codec", goal: "kitex"}, order, samples, nil, 1, "1s", 1)
	if want := "| 0.50x | 0.50x |"; !strings.Contains(table, want) {
		t.Errorf("table lacks %q:\n%s", want, table)
	}
}
