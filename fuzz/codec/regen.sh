#!/usr/bin/env bash
# regen.sh: remakes internal/kitexcompat and internal/apachecompat from
# compat.thrift with the peers' own generators (scripts/thriftgen; Debian's
# thrift-compiler 0.17.0 is the newest Debian packages, and its output
# builds against the v0.22.0 library). The generated code is checked in;
# run this only when compat.thrift changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../scripts/thriftgen" "$here/compat.thrift" compat "$here/internal/kitexcompat" "$here/internal/apachecompat"
