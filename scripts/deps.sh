#!/usr/bin/env bash
# Installs what dicomsec needs on a fresh Debian 12 machine: the build toolchain and
# libraries, the real peers the lab and the tests run (DCMTK, Orthanc, nmap), and Chromium,
# in which the HTML report test renders the report. (The SARIF schema test fetches its schema
# with npm, which comes with Node.js on these machines: tests/unit/report/fetch_sarif_schema.sh.)
set -euo pipefail
packages=(
  build-essential cmake ninja-build clang libclang-rt-14-dev
  libasio-dev libssl-dev libcli11-dev nlohmann-json3-dev libfmt-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev zlib1g-dev jq  # import (issue 16): parser, gzip exports, bench/import_vs_jq
  libcpp-httplib-dev pkg-config
  dcmtk orthanc orthanc-dicomweb nmap iproute2 curl time python3 python3-jsonschema
  chromium
  openssl stunnel4  # TLS lab (scripts/tls_lab.sh): s_server, certificates, stunnel
  sslscan testssl.sh bc  # bench/tls_vs_sslscan
  libpcap-dev  # src/pcap: capture files and live interfaces (issue 14)
  libyaml-cpp-dev  # gateway --config FILE.yaml (issue 15)
  libxml2-dev libxml2-utils rsyslog rsyslog-gnutls pebble uacme util-linux  # gateway audit (XML, xmllint, syslog collector) and ACME test
  tcpdump tshark wireshark-common jq  # pcap flow analysis tests and bench/pcap_vs_tshark (issue 14)
  libpqxx-dev postgresql slurm-wlm munge  # scale-out (issue 17): PostgreSQL store, Slurm test
  python3-kubernetes python3-yaml  # scale-out (issue 17): offline k8s manifest schemas
  sqlite3  # pcap --db test: .dump of every table for the canary (issue 14 §9)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  # Debian starts Orthanc as a system service on install; the lab runs its own instances.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The SARIF schema test fetches the published schema with npm. These machines' Node.js
# (nodesource) ships npm; where no npm is on PATH, Debian's own package provides it.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi
