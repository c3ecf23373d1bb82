#!/usr/bin/env bash
# regen.sh: remakes internal/kitexbench and internal/apachebench from
# bench.thrift with the peers' own generators (scripts/thriftgen). The
# generated code is checked in; run this only when bench.thrift changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../scripts/thriftgen" "$here/bench.thrift" bench "$here/internal/kitexbench" "$here/internal/apachebench"
