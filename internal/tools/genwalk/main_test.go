package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The generated walkers are up to date, and each copy names its protocol
// only.
func TestGeneratedUpToDate(t *testing.T) {
	if err := run("../../../codec", true); err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile("../../../codec/walk_template.go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate(tmpl, "Compact", "compactWire")
	if err != nil {
		t.Fatal(err)
	}
	for _, stale := range []string{"wireT", "_T(", "binaryWire", "go:build"} {
		if bytes.Contains(out, []byte(stale)) {
			t.Errorf("the compact copy still has %q", stale)
		}
	}
	if !strings.HasPrefix(string(out), "// Code generated") {
		t.Error("no generated-code header")
	}
}
