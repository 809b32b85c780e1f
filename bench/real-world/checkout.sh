#!/bin/sh
# Checks out every labelled repository at its labelled commit.
# Usage: bench/real-world/checkout.sh <mirrors-dir> <corpus-dir>
# <mirrors-dir> holds a clone (or bare git dir) of each repository, named
# owner+name (or owner+name/repo); nothing is fetched from the network.
set -eu
mirrors=${1:?usage: checkout.sh <mirrors-dir> <corpus-dir>}
corpus=${2:?usage: checkout.sh <mirrors-dir> <corpus-dir>}
here=$(dirname "$0")
mkdir -p "$corpus"
node -e 'const l=require(process.argv[1]);const s=new Set();for(const f of l.files){const k=f.repo+" "+f.commit;if(!s.has(k)){s.add(k);console.log(k)}}' "$(cd "$here" && pwd)/labels.json" |
while read -r repo commit; do
  name=$(echo "$repo" | tr / +)
  src="$mirrors/$name"
  [ -d "$src/repo" ] && src="$src/repo"
  if [ ! -d "$src" ]; then echo "missing mirror: $src" >&2; continue; fi
  [ -d "$corpus/$name" ] || git clone -q --no-checkout "$src" "$corpus/$name"
  # Blobs a mirror left out (large files) make checkout complain; the rest is written.
  git -C "$corpus/$name" -c advice.detachedHead=false checkout -q -f "$commit" 2>/dev/null || echo "incomplete checkout: $repo" >&2
done
