#!/bin/sh
# Regenerates the test PKI (valid 100 years): a CA, a backend certificate for
# "backend.test" and 127.0.0.1, and a client certificate for mutual TLS.
# Run from this directory: sh gen.sh
set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=protogate test CA" \
  -keyout ca.key -out ca.pem
openssl req -newkey rsa:2048 -nodes -subj "/CN=backend.test" -keyout server.key -out server.csr
printf 'subjectAltName=DNS:backend.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 \
  -extfile server.ext -out server.pem
openssl req -newkey rsa:2048 -nodes -subj "/CN=protogate test client" -keyout client.key -out client.csr
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 \
  -extfile client.ext -out client.pem
rm -f server.csr client.csr server.ext client.ext ca.srl
