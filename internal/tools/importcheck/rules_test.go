package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const m = modulePath

// graph encodes packages as go list -json prints them.
func graph(t *testing.T, pkgs ...pkg) string {
	t.Helper()
	var sb strings.Builder
	for _, p := range pkgs {
		if p.Module == nil && !p.Standard {
			p.Module = &struct{ Path string }{m}
		}
		b, err := json.MarshalIndent(p, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		pkgs []pkg
		want []string // substrings, one per expected violation, in sorted order
	}{
		{
			name: "allowed graph",
			pkgs: []pkg{
				{ImportPath: "fmt", Standard: true},
				{ImportPath: m + "/buffer", Imports: []string{"sync", m + "/internal/unsafex"}},
				{ImportPath: m + "/poller", Imports: []string{m + "/internal/sys", "golang.org/x/sys/unix"}},
				{ImportPath: m + "/conn", Imports: []string{m + "/poller", m + "/buffer"}},
				{ImportPath: m + "/frame/ttheader", Imports: []string{m + "/frame", m + "/buffer", "github.com/klauspost/compress/zstd"}},
				{ImportPath: m + "/buffer_test [" + m + "/buffer.test]", ForTest: m + "/buffer", Imports: []string{m + "/buffer [" + m + "/buffer.test]", "go.uber.org/goleak"}},
				{ImportPath: m + "/buffer.test", Imports: []string{m + "/buffer_test [" + m + "/buffer.test]"}},
				{ImportPath: "github.com/cloudwego/netpoll", Module: &struct{ Path string }{"github.com/cloudwego/netpoll"}, Imports: []string{"github.com/bytedance/gopkg/lang/mcache"}},
			},
		},
		{
			name: "poller imports buffer",
			pkgs: []pkg{{ImportPath: m + "/poller", Imports: []string{m + "/buffer", "syscall"}}},
			want: []string{m + "/poller imports " + m + "/buffer: layer poller may import only internal/sys, internal/unsafex"},
		},
		{
			name: "frame imports conn, codec imports buffer",
			pkgs: []pkg{
				{ImportPath: m + "/frame", Imports: []string{m + "/conn"}},
				{ImportPath: m + "/codec/thrift", Imports: []string{m + "/buffer"}},
			},
			want: []string{m + "/codec/thrift imports " + m + "/buffer", m + "/frame imports " + m + "/conn"},
		},
		{
			name: "a peer in the core",
			pkgs: []pkg{{ImportPath: m + "/buffer", Imports: []string{"github.com/cloudwego/netpoll"}}},
			want: []string{m + "/buffer imports github.com/cloudwego/netpoll: layer buffer may use only the third-party modules none"},
		},
		{
			name: "goleak outside a test",
			pkgs: []pkg{{ImportPath: m + "/conn", Imports: []string{"go.uber.org/goleak"}}},
			want: []string{m + "/conn imports go.uber.org/goleak"},
		},
		{
			name: "the core imports rpc",
			pkgs: []pkg{{ImportPath: m + "/conn", Imports: []string{m + "/rpc"}}},
			want: []string{m + "/conn imports " + m + "/rpc"},
		},
		{
			name: "a package with no layer",
			pkgs: []pkg{{ImportPath: m + "/util"}},
			want: []string{m + "/util: no layer rule"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := check(strings.NewReader(graph(t, tt.pkgs...)), m, layers)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestCheckBadInput(t *testing.T) {
	if _, err := check(strings.NewReader("{not json"), m, layers); err == nil {
		t.Fatal("malformed go list output accepted")
	}
}
