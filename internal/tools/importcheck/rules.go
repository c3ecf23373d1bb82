package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

const modulePath = "github.com/ringwire/ringwire"

// A layer is a directory of the module, with everything below it, and what
// its packages may import besides the standard library and their own layer.
type layer struct {
	dir      string   // relative to the module root
	internal []string // other layers, by dir
	external []string // third-party module paths
}

// Third-party modules, as DESIGN.md names them for the core.
const (
	xsys     = "golang.org/x/sys"
	gopkg    = "github.com/bytedance/gopkg"
	compress = "github.com/klauspost/compress"
	goleak   = "go.uber.org/goleak" // tests only
)

// layers is DESIGN.md's import rule. A package below no layer is an error:
// a new package needs its line here.
var layers = []layer{
	{dir: "internal/unsafex"},
	{dir: "internal/sys", internal: []string{"internal/unsafex"}, external: []string{xsys}},
	{dir: "internal/tools"},
	{dir: "buffer", internal: []string{"internal/unsafex"}},
	{dir: "poller", internal: []string{"internal/sys", "internal/unsafex"}, external: []string{xsys, gopkg}},
	{dir: "conn", internal: []string{"poller", "buffer", "internal/sys", "internal/unsafex"}, external: []string{xsys}},
	{dir: "frame", internal: []string{"buffer", "internal/unsafex"}, external: []string{compress}},
	{dir: "codec", internal: []string{"internal/unsafex"}},
	{dir: "rpc", internal: []string{"conn", "frame", "codec", "buffer", "poller", "internal/unsafex"}},
	// Examples use the public packages as a user would; nothing imports them.
	{dir: "examples", internal: []string{"rpc", "codec", "frame", "conn", "buffer", "poller"}},
}

// testOnly are modules that any layer's tests may import.
var testOnly = []string{goleak}

// pkg is the part of `go list -json` output that the check reads.
type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
	ForTest    string // set on a package compiled for a test
	Module     *struct{ Path string }
}

// check reads a `go list -deps -test -json` stream and returns one line per
// forbidden import, sorted.
func check(r io.Reader, module string, layers []layer) ([]string, error) {
	var bad []string
	dec := json.NewDecoder(r)
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading go list output: %w", err)
		}
		if p.Standard || p.Module == nil || p.Module.Path != module {
			continue
		}
		path := stripVariant(p.ImportPath)
		if strings.HasSuffix(path, ".test") {
			continue // the generated test main
		}
		rel := strings.TrimSuffix(relPath(path, module), "_test")
		l, ok := layerOf(rel, layers)
		if !ok {
			bad = append(bad, fmt.Sprintf("%s: no layer rule covers this package; add one to internal/tools/importcheck", path))
			continue
		}
		isTest := p.ForTest != "" || strings.HasSuffix(path, "_test")
		for _, imp := range p.Imports {
			imp = stripVariant(imp)
			if why := forbidden(imp, l, isTest, module, layers); why != "" {
				bad = append(bad, fmt.Sprintf("%s imports %s: %s", path, imp, why))
			}
		}
	}
	sort.Strings(bad)
	return slices.Compact(bad), nil
}

// forbidden returns why l may not import imp, or "" if it may.
func forbidden(imp string, l layer, isTest bool, module string, layers []layer) string {
	if rel, ok := inModule(imp, module); ok {
		to, ok := layerOf(rel, layers)
		if ok && (to.dir == l.dir || slices.Contains(l.internal, to.dir)) {
			return ""
		}
		return fmt.Sprintf("layer %s may import only %s", l.dir, list(l.internal, "no other layer"))
	}
	if isStandard(imp) {
		return ""
	}
	if hasModule(imp, l.external) || isTest && hasModule(imp, testOnly) {
		return ""
	}
	return fmt.Sprintf("layer %s may use only the third-party modules %s", l.dir, list(l.external, "none"))
}

func layerOf(rel string, layers []layer) (layer, bool) {
	best, found := layer{}, false
	for _, l := range layers {
		if (rel == l.dir || strings.HasPrefix(rel, l.dir+"/")) && len(l.dir) > len(best.dir) {
			best, found = l, true
		}
	}
	return best, found
}

func hasModule(imp string, modules []string) bool {
	for _, m := range modules {
		if imp == m || strings.HasPrefix(imp, m+"/") {
			return true
		}
	}
	return false
}

func inModule(path, module string) (string, bool) {
	if path == module {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, module+"/")
	return rel, ok
}

func relPath(path, module string) string {
	rel, _ := inModule(path, module)
	return rel
}

// stripVariant turns "p [q.test]", go list's name for p compiled for q's
// test, into "p".
func stripVariant(path string) string {
	path, _, _ = strings.Cut(path, " ")
	return path
}

// isStandard reports whether path is in the standard library: its first
// element has no dot.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func list(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, ", ")
}
