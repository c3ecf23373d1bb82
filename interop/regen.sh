#!/usr/bin/env bash
# regen.sh: remakes internal/kitexecho and internal/apacheecho (and
# bench/rpc/internal/kitexecho, a copy) from
# echo.thrift with the peers' own generators (scripts/thriftgen). The
# generated code is checked in; run this only when echo.thrift changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../scripts/thriftgen" "$here/echo.thrift" echo "$here/internal/kitexecho" "$here/internal/apacheecho"
# bench/rpc codes the same Kitex structs; its module cannot import this
# one's internal packages, so it holds a copy, made here.
rm -rf "$here/../bench/rpc/internal/kitexecho"
cp -r "$here/internal/kitexecho" "$here/../bench/rpc/internal/kitexecho"
