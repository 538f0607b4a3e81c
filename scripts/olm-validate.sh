#!/usr/bin/env bash
# Builds (once) the operator framework's bundle validator from the Go module proxy into $HOME/.cache/rss-operator/,
# then validates an OLM bundle with it. The binary and its go.sum are never committed.
#   scripts/olm-validate.sh --build-only
#   scripts/olm-validate.sh [bundle-dir]        (default: target/bundle/rss-operator)
set -euo pipefail
OF_API_VERSION=v0.40.0   # github.com/operator-framework/api, pinned
here="$(cd "$(dirname "$0")" && pwd)"
cache="${RSS_CACHE_DIR:-$HOME/.cache/rss-operator}"
bin="$cache/olm-validate-$OF_API_VERSION"

if [[ ! -x "$bin" ]]; then
  command -v go >/dev/null || { echo "olm-validate: Go is not installed; it is needed to build the validator" >&2; exit 3; }
  src="$cache/olm-validate-src-$OF_API_VERSION"
  mkdir -p "$src"
  cp "$here/olm-validate/main.go" "$src/main.go"
  cat > "$src/go.mod" <<MOD
module rss-operator/olm-validate

go 1.25

require github.com/operator-framework/api $OF_API_VERSION
MOD
  echo "olm-validate: building github.com/operator-framework/api@$OF_API_VERSION validator into $bin" >&2
  (cd "$src" && export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 && go mod tidy && go build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi

if [[ "${1:-}" == "--build-only" ]]; then
  echo "$bin"
  exit 0
fi
exec "$bin" -k8s-version 1.28 "${1:-target/bundle/rss-operator}"
