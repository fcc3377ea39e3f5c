#!/usr/bin/env python3
"""Measures the gateway's memory per idle keep-alive connection (loopback only).

    idle_conns.py --pid PID --target 127.0.0.1:9090 [--conns N] [--path /v1/...]

Reads VmRSS of PID (the gateway), then
  1. opens N TCP connections and sends nothing        -> "connected" figure
  2. sends one keep-alive GET on each and reads the
     whole response, leaving the connection open      -> "keep-alive" figure
and prints one `key=value` line per figure:
  rss_before_kb=... rss_connected_kb=... rss_keepalive_kb=... conns=...
  per_conn_connected_bytes=... per_conn_keepalive_bytes=...
Everything is bounded: connect/recv time-outs, N at most the fd limit allows.
The gateway closes idle connections after its idle timeout (60 s), so both
phases must finish well within it (they take a few seconds for N=10000).
"""
import argparse
import resource
import selectors
import socket
import sys
import time


def vmrss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def settle(pid, seconds=1.0):
    time.sleep(seconds)
    return vmrss_kb(pid)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--target", default="127.0.0.1:9090")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--path", default="/v1/shelves/1/books/42")
    ap.add_argument("--deadline", type=float, default=45.0,
                    help="seconds allowed for each phase")
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    if not host.startswith("127.") and host != "localhost":
        sys.exit("refusing non-loopback target")
    port = int(port)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    except (ValueError, OSError):
        pass
    n = min(a.conns, soft - 64)
    if n < a.conns:
        print(f"# fd limit {soft}: using {n} connections instead of {a.conns}",
              file=sys.stderr)

    before = settle(a.pid)
    socks = []
    t0 = time.monotonic()
    for _ in range(n):
        if time.monotonic() - t0 > a.deadline:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(5)
        try:
            s.connect((host, port))
        except OSError as e:
            print(f"# connect failed after {len(socks)}: {e}", file=sys.stderr)
            s.close()
            break
        socks.append(s)
    n = len(socks)
    # The server accepts asynchronously; give it a moment to take them all.
    connected = settle(a.pid, 2.0)

    # One keep-alive request per connection, a few hundred in flight at a time.
    req = (f"GET {a.path} HTTP/1.1\r\nHost: {a.target}\r\n"
           f"Connection: keep-alive\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    ok = 0
    failed = 0
    window = 256
    idx = 0
    inflight = {}
    t0 = time.monotonic()

    def parse_done(buf):
        head_end = buf.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        length = 0
        for line in buf[:head_end].split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        return len(buf) >= head_end + 4 + length

    while (idx < n or inflight) and time.monotonic() - t0 < a.deadline:
        while idx < n and len(inflight) < window:
            s = socks[idx]
            idx += 1
            s.setblocking(False)
            try:
                s.send(req)
            except OSError:
                failed += 1
                continue
            inflight[s] = bytearray()
            sel.register(s, selectors.EVENT_READ)
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                failed += 1
                sel.unregister(s)
                del inflight[s]
                continue
            inflight[s] += data
            if parse_done(inflight[s]):
                if inflight[s].startswith(b"HTTP/1.1 200"):
                    ok += 1
                else:
                    failed += 1
                sel.unregister(s)
                del inflight[s]
    failed += len(inflight) + (n - idx)
    keepalive = settle(a.pid, 2.0)

    for s in socks:
        s.close()
    after_close = settle(a.pid, 2.0)

    def per(x):
        return int((x - before) * 1024 / n) if n else 0

    print(f"conns={n} ok_responses={ok} failed={failed} rss_before_kb={before} "
          f"rss_connected_kb={connected} rss_keepalive_kb={keepalive} "
          f"rss_after_close_kb={after_close} "
          f"per_conn_connected_bytes={per(connected)} "
          f"per_conn_keepalive_bytes={per(keepalive)}")


if __name__ == "__main__":
    main()
