#!/usr/bin/env python3
"""Sends exactly N GET requests over CONNS keep-alive HTTP/1.1 connections,
one request in flight per connection (like wrk -cCONNS, bounded by count).

    python3 concurrent_get.py PORT PATH N [CONNS]

For instruction and syscall counts per request under concurrency, where the
gateway can batch work of several requests in one event-loop turn
(tools/bench/ratelimit_counts.sh). Exits non-zero on any non-200 answer or
when an answer takes more than 60 s.
"""
import selectors
import socket
import sys


def main() -> int:
    port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    conns = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    sent = done = 0
    buffers = {}
    for _ in range(min(conns, count)):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.setblocking(False)
        s.sendall(request)
        sent += 1
        buffers[s] = b""
        sel.register(s, selectors.EVENT_READ)
    while done < count:
        events = sel.select(timeout=60)
        if not events:
            print("no answer within 60 s", file=sys.stderr)
            return 1
        for key, _ in events:
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                print("connection closed", file=sys.stderr)
                return 1
            buf = buffers[s] + data
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end].decode("latin-1").split("\r\n")
                length = 0
                for line in head[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if len(buf) < end + 4 + length:
                    break
                if head[0].split()[1] != "200":
                    print(f"answer: {head[0]}", file=sys.stderr)
                    return 1
                buf = buf[end + 4 + length:]
                done += 1
                if sent < count:
                    s.sendall(request)
                    sent += 1
            buffers[s] = buf
    for s in buffers:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
