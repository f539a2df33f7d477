#!/usr/bin/env bash
# Puts the pinned htmx (the same file the CDN serves) at vendor/htmx.min.js for the browser tests,
# which have no internet and route the CDN URL to this copy. Checks it against the pinned SRI hash.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
version=$($py -c 'from annotator.web.assets import HTMX_VERSION; print(HTMX_VERSION)')
sri=$($py -c 'from annotator.web.assets import HTMX_SRI; print(HTMX_SRI)')
target=vendor/htmx.min.js
have() { [ -f "$target" ] && [ "sha384-$(openssl dgst -sha384 -binary "$target" | openssl base64 -A)" = "$sri" ]; }
if ! have; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "htmx.org@$version" --silent >/dev/null 2>&1 && tar xzf "htmx.org-$version.tgz")
  mkdir -p vendor
  cp "$tmp/package/dist/htmx.min.js" "$target"
  rm -rf "$tmp"
fi
have || { echo "vendor/htmx.min.js does not match the pinned SRI $sri" >&2; exit 1; }
