// Command benchtab runs ringwire's side-by-side benchmarks and writes their
// tables into BENCHMARKS.md. It is what `make bench` runs.
//
// For each suite it builds the test binary once, then runs every benchmark of
// the suite in rounds, all implementations in each round, pinned to one CPU
// with GOMAXPROCS=1, and reports medians: ns/op, B/op and allocs/op. Where
// valgrind is installed it also counts instructions per operation with
// callgrind, which, unlike time, does not move with the machine's load: the
// count for b.N = n2 minus the count for b.N = n1, over n2 - n1.
//
// Benchmark names are Benchmark<Name>/<case>/<implementation>.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A suite is one table: a package's benchmark, ringwire's implementation and
// the peer its goal is stated against.
type suite struct {
	key   string // marks the table's place in BENCHMARKS.md
	title string
	pkg   string
	bench string
	goal  string // the peer named in the goal, for a ratio column
	note  string

	// instrN are the two b.N callgrind counts instructions at (their
	// difference over their difference is per op); 20,000 and 120,000 by
	// default, fewer for slow operations.
	instrN [2]int
}

var suites = []suite{
	{
		key:   "buffer",
		title: "buffer: framed read",
		pkg:   "./buffer",
		bench: "FramedRead",
		goal:  "netpoll",
		note: "Write a 4-byte length and the payload (one copy into the buffer), flush, " +
			"read the length, read the payload, release; one goroutine. " +
			"Goal (issue 2): at most 0.8x netpoll's time, zero allocations.",
	},
	{
		key:   "frame",
		title: "frame: TTHeader encode and decode",
		pkg:   "./frame",
		bench: "TTHeader",
		goal:  "gopkg",
		note: "One TTHeader frame with 10 string and 8 int headers (a Kitex call's) and a 1 KiB payload. " +
			"encode: header, payload and length into a reused []byte (ringwire StartTTHeader/FinishTTHeader; " +
			"gopkg v0.1.6 protocol/ttheader Encode onto a bufiox.BytesWriter over the same kind of slice, as its doc says). " +
			"decode: the frame from a []byte (ringwire DecodeTTHeader into a reused Header; gopkg DecodeFromBytes, " +
			"which fills fresh maps). Goal (issue 5): at most 0.5x gopkg's time, 0 allocations to encode, at most 1 to decode.",
	},
	{
		key:   "codec",
		title: "codec: Thrift encode and decode",
		pkg:   "./codec",
		bench: "Codec",
		goal:  "kitex",
		note: "The shapes of bench/codec/bench.thrift: small = {i32, i64, string, bool}; medium = {string, i64, " +
			"map<string,string> of 10, list<Item{i64, string, list<i64> of 5}> of 20, 256-byte binary, optional double} " +
			"(2.25 KB binary); large = medium with 100 items and a 64 KiB binary. ringwire = codec.Codec[T] on the " +
			"Kitex-generated structs: encode is MarshalAppend into a reused []byte, one pass; ringwire-write is Write, " +
			"which sizes first for its one Malloc (here from a reused buffer). kitex = v0.15.2 generated fast codec " +
			"(BLength + FastWriteNocopy into a reused []byte, " +
			"FastRead); frugal = v0.3.0 on the same structs; apache = v0.22.0 generated code over a reused TMemoryBuffer " +
			"(decode copies the input into it). Decode makes a fresh struct each time. -compact rows: compact protocol " +
			"(Kitex and frugal have none). Goals (issue 6): encode at most 1.0x kitex and 0.5x frugal; decode at most " +
			"0.8x kitex, with no more allocations than frugal.",
		instrN: [2]int{1000, 5000},
	},
}

func main() {
	var (
		rounds    = flag.Int("rounds", 5, "rounds of every benchmark; medians are reported")
		benchtime = flag.String("benchtime", "300ms", "go test -benchtime per benchmark and round")
		cpu       = flag.Int("cpu", runtime.NumCPU()-1, "CPU to pin the benchmark to")
		out       = flag.String("o", "../BENCHMARKS.md", "file to write the tables into (\"\" for standard output only)")
		instr     = flag.Bool("instr", true, "count instructions per op with callgrind, where valgrind is installed")
		only      = flag.String("suite", "conn", "the suite to run: buffer, frame, codec, poller, conn, rpc, or all")
		echoCfg   echoConfig
		connCfg   connConfig
		rpcCfg    rpcConfig
	)
	flag.IntVar(&rpcCfg.rounds, "rpc-rounds", 3, "rpc suite: rounds of every case and pair")
	flag.DurationVar(&rpcCfg.warmup, "rpc-warmup", time.Second, "rpc suite: warm-up per run")
	flag.DurationVar(&rpcCfg.duration, "rpc-duration", 3*time.Second, "rpc suite: measured time per run")
	flag.IntVar(&echoCfg.rounds, "echo-rounds", 3, "poller suite: rounds of every case and server")
	flag.DurationVar(&echoCfg.warmup, "echo-warmup", 200*time.Millisecond, "poller suite: warm-up per run")
	flag.DurationVar(&echoCfg.duration, "echo-duration", 500*time.Millisecond, "poller suite: measured time per run")
	flag.IntVar(&connCfg.rounds, "conn-rounds", 3, "conn suite: rounds of every case and server")
	flag.DurationVar(&connCfg.warmup, "conn-warmup", 150*time.Millisecond, "conn suite: warm-up per run")
	flag.DurationVar(&connCfg.duration, "conn-duration", 400*time.Millisecond, "conn suite: measured time per run")
	flag.IntVar(&connCfg.idleConns, "idle-conns", 10000, "conn suite: connections of the idle-memory run")
	flag.IntVar(&connCfg.slowConns, "slow-conns", 1000, "conn suite: clients of the slow-reader run")
	flag.DurationVar(&connCfg.slowDuration, "slow-duration", 2*time.Second, "conn suite: length of the slow-reader run")
	flag.BoolVar(&connCfg.extraCases, "extra-cases", false, "conn suite: add the 64 B cases")
	flag.Parse()
	all := *only == "all"
	tmp, err := os.MkdirTemp("", "benchtab")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)

	for _, s := range suites {
		if !all && s.key != *only {
			continue
		}
		bin := filepath.Join(tmp, s.key+".test")
		run("go", "test", "-c", "-o", bin, s.pkg)
		fmt.Fprintf(os.Stderr, "benchtab: %s: %d rounds of %s on CPU %d\n", s.key, *rounds, *benchtime, *cpu)
		samples := map[string][]result{}
		var order []string
		for r := 0; r < *rounds; r++ {
			outp := run("taskset", "-c", strconv.Itoa(*cpu), bin, "-test.run", "^$",
				"-test.bench", "^Benchmark"+s.bench+"$", "-test.benchmem", "-test.cpu", "1",
				"-test.benchtime", *benchtime)
			for _, res := range parse(outp) {
				if _, ok := samples[res.name]; !ok {
					order = append(order, res.name)
				}
				samples[res.name] = append(samples[res.name], res)
			}
		}
		instrs := map[string]float64{}
		if *instr {
			if _, err := exec.LookPath("valgrind"); err == nil {
				for _, name := range order {
					instrs[name] = countInstructions(bin, name, s.instrN)
				}
			}
		}
		table := render(s, order, samples, instrs, *rounds, *benchtime, *cpu)
		fmt.Print(table)
		if *out != "" {
			if err := splice(*out, s.key, table); err != nil {
				fatal(err)
			}
		}
	}
	if all || *only == "conn" {
		table, err := runConn(connCfg)
		if err != nil {
			fatal(err)
		}
		fmt.Print(table)
		if *out != "" {
			if err := splice(*out, "conn", table); err != nil {
				fatal(err)
			}
		}
	}
	if all || *only == "rpc" {
		table, err := runRPC(rpcCfg)
		if err != nil {
			fatal(err)
		}
		fmt.Print(table)
		if *out != "" {
			if err := splice(*out, "rpc", table); err != nil {
				fatal(err)
			}
		}
	}
	if all || *only == "poller" {
		table, err := runEcho(echoCfg)
		if err != nil {
			fatal(err)
		}
		fmt.Print(table)
		if *out != "" {
			if err := splice(*out, "poller", table); err != nil {
				fatal(err)
			}
		}
	}
}

type result struct {
	name              string
	ns, bytes, allocs float64
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:.*?([\d.]+) B/op\s+([\d.]+) allocs/op)?`)

func parse(out string) []result {
	var rs []result
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		r := result{name: m[1]}
		r.ns, _ = strconv.ParseFloat(m[2], 64)
		r.bytes, _ = strconv.ParseFloat(m[3], 64)
		r.allocs, _ = strconv.ParseFloat(m[4], 64)
		rs = append(rs, r)
	}
	return rs
}

// countInstructions returns callgrind's instruction count per op of one
// benchmark: the difference of two runs cancels start-up and the b.N = 1 run.
// valgrind serialises threads itself, so the runs are not pinned; pinned, it
// crashed in about one run in three here (valgrind 3.19, Go 1.26.8). A crash
// is retried.
func countInstructions(bin, name string, at [2]int) float64 {
	n1, n2 := 20000, 120000
	if at[0] > 0 {
		n1, n2 = at[0], at[1]
	}
	count := func(n int) float64 {
		var out []byte
		for range 3 {
			cmd := exec.Command("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
				bin, "-test.run", "^$", "-test.bench", benchPattern(name),
				"-test.cpu", "1", "-test.benchtime", fmt.Sprintf("%dx", n))
			// No asynchronous preemption: valgrind 3.19 asserted on
			// its signals in about one run in three.
			cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1")
			out, _ = cmd.CombinedOutput()
			if m := collected.FindSubmatch(out); m != nil {
				v, _ := strconv.ParseFloat(string(m[1]), 64)
				return v
			}
		}
		fatal(fmt.Errorf("valgrind %s: no instruction count after 3 tries; last output:\n%s", name, out))
		return 0
	}
	return (count(n2) - count(n1)) / float64(n2-n1)
}

var collected = regexp.MustCompile(`Collected : (\d+)`)

// benchPattern matches the benchmark name and nothing else: go test splits
// a -test.bench pattern at slashes and matches each level unanchored, so
// each level is anchored here ("encode-small" would also run
// "encode-small-compact").
func benchPattern(name string) string {
	parts := strings.Split("Benchmark"+name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// render makes the Markdown table: a row per case, a column per
// implementation, then ringwire's ratios to the goal peer and to the best peer.
func render(s suite, order []string, samples map[string][]result, instrs map[string]float64, rounds int, benchtime string, cpu int) string {
	var cases, impls []string
	for _, name := range order {
		parts := strings.Split(name, "/")
		if len(parts) != 3 {
			continue
		}
		if !slices.Contains(cases, parts[1]) {
			cases = append(cases, parts[1])
		}
		if !slices.Contains(impls, parts[2]) {
			impls = append(impls, parts[2])
		}
	}
	med := func(name string, f func(result) float64) float64 {
		var xs []float64
		for _, r := range samples[name] {
			xs = append(xs, f(r))
		}
		return median(xs)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%s\n\n", s.title, s.note)
	fmt.Fprintf(&b, "| case |")
	for _, impl := range impls {
		fmt.Fprintf(&b, " %s |", impl)
	}
	fmt.Fprintf(&b, " ringwire / %s | ringwire / best peer |\n|---|", s.goal)
	for range impls {
		b.WriteString("---|")
	}
	b.WriteString("---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s |", c)
		nsOf := map[string]float64{}
		for _, impl := range impls {
			name := s.bench + "/" + c + "/" + impl
			if len(samples[name]) == 0 {
				b.WriteString(" - |")
				continue
			}
			ns := med(name, func(r result) float64 { return r.ns })
			nsOf[impl] = ns
			fmt.Fprintf(&b, " %.1f ns, %.0f B, %.0f allocs", ns,
				med(name, func(r result) float64 { return r.bytes }),
				med(name, func(r result) float64 { return r.allocs }))
			if in, ok := instrs[name]; ok {
				fmt.Fprintf(&b, ", %.0f instr", in)
			}
			b.WriteString(" |")
		}
		best := 0.0
		for impl, ns := range nsOf {
			// ringwire's other columns (ringwire-write) are not peers.
			if !strings.HasPrefix(impl, "ringwire") && (best == 0 || ns < best) {
				best = ns
			}
		}
		fmt.Fprintf(&b, " %s | %s |\n", ratio(nsOf["ringwire"], nsOf[s.goal]), ratio(nsOf["ringwire"], best))
	}
	fmt.Fprintf(&b, "\nMedians of %d interleaved rounds of %s each, pinned to CPU %d, GOMAXPROCS=1; "+
		"instr = instructions per op counted by callgrind. Machine: %s. Run %s.\n"+
		"Reproduce: `cd bench && go run ./cmd/benchtab -suite %s` (`make bench-all` runs every suite).\n",
		rounds, benchtime, cpu, machine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"), s.key)
	return b.String()
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(data); m != nil {
			model = string(m[1])
		}
	}
	kernel := strings.TrimSpace(run("uname", "-r"))
	return fmt.Sprintf("%s, %d CPUs, Linux %s, %s", model, runtime.NumCPU(), kernel, runtime.Version())
}

// splice replaces the table between the suite's markers in path, or appends
// it with markers.
func splice(path, key, table string) error {
	begin, end := "<!-- benchtab:"+key+" -->", "<!-- /benchtab:"+key+" -->"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	block := begin + "\n" + table + end
	var doc string
	i, j := bytes.Index(old, []byte(begin)), bytes.Index(old, []byte(end))
	switch {
	case i >= 0 && j > i:
		doc = string(old[:i]) + block + string(old[j+len(end):])
	case len(old) == 0:
		doc = "# Benchmarks\n\n" + block + "\n"
	default:
		doc = strings.TrimRight(string(old), "\n") + "\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

func run(name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fatal(fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err))
	}
	return string(out)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchtab:", err)
	os.Exit(1)
}

// interleaved runs every case on every subject (a server, a pair), all of
// them in each of rounds rounds, so that the machine's drift falls on all
// alike, and returns the results by key(case, subject).
func interleaved[C, S, R any](suite string, rounds int, cases []C, subjects []S,
	key func(C, S) string, run func(C, S) (R, error)) (map[string][]R, error) {
	results := map[string][]R{}
	for r := 0; r < rounds; r++ {
		for _, c := range cases {
			for _, s := range subjects {
				fmt.Fprintf(os.Stderr, "benchtab: %s: round %d/%d, %v, %v\n", suite, r+1, rounds, c, s)
				res, err := run(c, s)
				if err != nil {
					return nil, fmt.Errorf("%v on %v: %w", s, c, err)
				}
				results[key(c, s)] = append(results[key(c, s)], res)
			}
		}
	}
	return results, nil
}
