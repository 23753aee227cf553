#!/usr/bin/env bash
# repin-local.sh: rewrite the sha256 and size of every `local:` source in
# sources.yaml from the file it names (run after editing a boot script, a
# kernel config fragment or lib/unpack.sh; xbuild fetch refuses a local
# file whose size or sha256 differs from its pin).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp sources.yaml.XXXXXX)
trap 'rm -f "$tmp"' EXIT
# Entries are "  - file:", then "    sha256:", "    size:", "    local:" lines.
awk '
  function flush(   i, path, cmd, sum, size) {
    if (n == 0) return
    path = ""
    for (i = 1; i <= n; i++) if (buf[i] ~ /^    local: /) { path = buf[i]; sub(/^    local: /, "", path) }
    if (path != "") {
      cmd = "sha256sum \"" path "\""; cmd | getline sum; close(cmd); split(sum, s, " ")
      cmd = "stat -c %s \"" path "\""; cmd | getline size; close(cmd)
      for (i = 1; i <= n; i++) {
        if (buf[i] ~ /^    sha256: /) buf[i] = "    sha256: " s[1]
        if (buf[i] ~ /^    size: /) buf[i] = "    size: " size
      }
    }
    for (i = 1; i <= n; i++) print buf[i]
    n = 0
  }
  /^  - file: / { flush() }
  /^  - file: / || n > 0 { buf[++n] = $0; next }
  { flush(); print }
  END { flush() }
' sources.yaml > "$tmp"
mv "$tmp" sources.yaml
trap - EXIT
