#!/usr/bin/env bash
# Certificates for the gateway's integration tests and benchmark, made fresh in DIR:
# ca.pem/ca.key, server.{pem,key} (CN localhost, SAN DNS:localhost IP:127.0.0.1),
# client.{pem,key} (CN STORESCU: the calling AE it may use with --bind-cert-ae),
# other.{pem,key} (CN OTHERAE), all RSA 2048 signed by the CA, valid two days.
set -euo pipefail
d=$1
mkdir -p "$d"
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj /CN=dicomsec-gateway-test-ca 2>/dev/null
leaf() {  # NAME CN SAN
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf 'subjectAltName=%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
        -days 2 -extfile "$1.ext" 2>/dev/null
}
leaf server localhost "DNS:localhost,IP:127.0.0.1"
leaf client STORESCU "DNS:storescu.test"
leaf other OTHERAE "DNS:other.test"
