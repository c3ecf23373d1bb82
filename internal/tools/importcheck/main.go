// Command importcheck enforces the one-way import rule of ringwire's layers
// (DESIGN.md, "Layers and the one-way import rule"). It runs
//
//	go list -deps -test -json ./...
//
// in the current module, or reads that output from standard input with -stdin,
// and fails naming every package that imports what its layer may not: another
// layer above or beside it, a peer library, or a third-party module the core
// does not depend on.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
)

func main() {
	stdin := flag.Bool("stdin", false, "read `go list -deps -test -json` output from standard input")
	flag.Parse()

	var in io.Reader = os.Stdin
	if !*stdin {
		cmd := exec.Command("go", "list", "-deps", "-test", "-json", "./...")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "importcheck: go list:", err)
			os.Exit(2)
		}
		in = bytes.NewReader(out)
	}
	violations, err := check(in, modulePath, layers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "importcheck:", err)
		os.Exit(2)
	}
	for _, v := range violations {
		fmt.Fprintln(os.Stderr, "importcheck:", v)
	}
	if len(violations) > 0 {
		os.Exit(1)
	}
}
