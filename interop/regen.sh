#!/usr/bin/env bash
# regen.sh: remakes internal/kitexecho and internal/apacheecho from
# echo.thrift with the peers' own generators (scripts/thriftgen). The
# generated code is checked in; run this only when echo.thrift changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../scripts/thriftgen" "$here/echo.thrift" echo "$here/internal/kitexecho" "$here/internal/apacheecho"
