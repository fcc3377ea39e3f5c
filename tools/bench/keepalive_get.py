#!/usr/bin/env python3
"""Sends exactly N GET requests over one keep-alive HTTP/1.1 connection.

    python3 keepalive_get.py PORT PATH N

For instruction counts per request (tools/bench/callgrind.sh): a load
generator bounded by count, not time. Exits non-zero on any non-200 answer.
"""
import http.client
import sys


def main() -> int:
    port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(count):
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            print(f"request {i}: HTTP {response.status}", file=sys.stderr)
            return 1
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
