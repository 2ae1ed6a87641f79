#!/usr/bin/env bash
# Lints every GitHub Actions workflow (the hub's, the spoke template's, falcon's) with actionlint,
# built once from the Go module proxy into .cache/go-bin (CI starts from a fresh clone).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=v1.7.12
BIN=.cache/go-bin/actionlint
if [ ! -x "$BIN" ] || ! "$BIN" -version | head -1 | grep -qx "$VERSION"; then
  echo "installing actionlint $VERSION into .cache/go-bin"
  GOBIN="$PWD/.cache/go-bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
fi
files=(.github/workflows/*.yml packages/deltalake-hub/templates/spoke/.github/workflows/*.yml spokes/*/.github/workflows/*.yml)
"$BIN" "${files[@]}"
echo "actionlint $VERSION: ${#files[@]} workflow files, no problems"
