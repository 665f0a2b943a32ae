#!/bin/sh
# Compose v2 for the test bed, which Debian 12 does not package: the `docker-compose` package
# of Debian 13 (trixie) is Compose v2 as a static Go binary that needs only libc. Only that
# one file is taken, out of the verified .deb, and kept as a Docker CLI plugin in a cache
# folder; nothing is installed on the system. The test server gives it to the sessions of a
# "v2 server" through their DOCKER_CONFIG, so v1 and v2 are both tested on one machine.
#
# Verified as apt would: InRelease's signature against Debian's archive keyring, the index's
# SHA-256 from InRelease, the package's SHA-256 from the index.
#
# Usage: compose-v2.sh OUT_DIR   (writes OUT_DIR/docker-compose, or keeps the one there)
set -eu

out=$1
mirror=http://deb.debian.org/debian
suite=trixie
index=main/binary-amd64/Packages.xz
if [ -x "$out/docker-compose" ] && "$out/docker-compose" version >/dev/null 2>&1; then
    echo "compose v2: cached ($("$out/docker-compose" version --short))"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
curl -fsSL -o InRelease "$mirror/dists/$suite/InRelease"
if ! gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg --output Release InRelease 2>gpgv.log; then
    cat gpgv.log >&2
    echo "compose v2: trixie's InRelease does not verify" >&2
    exit 1
fi
index_sha=$(awk -v f="$index" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' Release)
[ -n "$index_sha" ] || { echo "compose v2: $index is not in trixie's Release" >&2; exit 1; }
curl -fsSL -o Packages.xz "$mirror/dists/$suite/$index"
echo "$index_sha  Packages.xz" | sha256sum --check --quiet
xz -dc Packages.xz | awk '
    /^Package: / { p = ($2 == "docker-compose") }
    p && /^Filename: / { print "file=" $2 }
    p && /^SHA256: / { print "sha=" $2 }
' > stanza
file=$(sed -n 's/^file=//p' stanza | head -n 1)
sha=$(sed -n 's/^sha=//p' stanza | head -n 1)
if [ -z "$file" ] || [ -z "$sha" ]; then
    echo "compose v2: no docker-compose in trixie" >&2
    exit 1
fi
curl -fsSL -o compose.deb "$mirror/$file"
echo "$sha  compose.deb" | sha256sum --check --quiet
dpkg-deb -x compose.deb root
binary=$(find root -type f -name docker-compose -perm -u+x | head -n 1)
[ -n "$binary" ] || { echo "compose v2: no binary in $file" >&2; exit 1; }
mkdir -p "$out"
install -m 0755 "$binary" "$out/docker-compose.new"
mv "$out/docker-compose.new" "$out/docker-compose"
echo "compose v2: $("$out/docker-compose" version --short) from $file"
