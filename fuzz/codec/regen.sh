#!/usr/bin/env bash
# regen.sh: remakes internal/kitexcompat and internal/apachecompat from
# compat.thrift with the peers' own generators: the kitex tool v0.15.2 (which
# links thriftgo v0.4.3) and Debian's thrift-compiler 0.17.0 (the newest
# Debian packages; its output builds against the v0.22.0 library). The
# generated code is checked in; run this only when compat.thrift changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/tool" "$work/kitex" "$work/apache"
cd "$work/tool"
# A module path with a dot: `go mod tidy` refuses a bare "tool".
printf 'module example.com/gentool\n\ngo 1.26\n' > go.mod
printf '//go:build tools\n\npackage tool\n\nimport _ "github.com/cloudwego/kitex/tool/cmd/kitex"\n' > tools.go
go get github.com/cloudwego/kitex@v0.15.2 github.com/bytedance/sonic@v1.15.0 github.com/cloudwego/dynamicgo@v0.8.0
go mod tidy # the tool's own dependencies (thriftgo, prutal) need go.sum entries
go build -o "$work/kitex-tool" github.com/cloudwego/kitex/tool/cmd/kitex

cd "$work/kitex"
printf 'module kitexgen\n\ngo 1.26\n' > go.mod
"$work/kitex-tool" -module kitexgen "$here/compat.thrift"
mkdir -p "$here/internal/kitexcompat" "$here/internal/apachecompat"
rm -f "$here"/internal/kitexcompat/*.go
cp kitex_gen/compat/*.go "$here/internal/kitexcompat/"

command -v thrift >/dev/null || { apt-get update && apt-get install -y thrift-compiler; }
thrift --gen go -out "$work/apache" "$here/compat.thrift"
rm -f "$here"/internal/apachecompat/*.go
cp "$work"/apache/compat/*.go "$here/internal/apachecompat/"
gofmt -w "$here"/internal/apachecompat/*.go # Apache's generator does not
