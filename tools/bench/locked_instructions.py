#!/usr/bin/env python3
"""Locked instructions executed per request, from a callgrind dump.

callgrind counts an instruction with a `lock` prefix as one, like any other,
but each costs ~15-20 cycles (more when another core holds the line). This
finds them: the dump must be made with instruction-level positions

    VALGRIND_OPTS=--dump-instr=yes MODES="off on" REQUESTS=2000 \\
        bash tools/bench/callgrind.sh
    python3 tools/bench/locked_instructions.py OUT/callgrind.on.1 2000

and every object in it is disassembled (objdump -d); each instruction with a
`lock` prefix, or an `xchg` with memory (implicitly locked), is weighted by
how often it ran (its Ir). Prints the total per request and the functions
that ran them. All threads of the dump are counted. The binaries must be
the ones that ran (rebuild after the dump and the addresses no longer match).
"""
import collections
import re
import subprocess
import sys


def executions(dump):
    """{(object, address): times executed} and {(object, address): function}."""
    names = {"ob": {}, "fn": {}}
    current = {"ob": None, "fn": None}
    counts = collections.defaultdict(int)
    function = {}
    last = 0
    after_calls = False

    def resolve(kind, value):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", value)
        if not m:
            return value
        if m.group(2):
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1))

    with open(dump, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line[0].isalpha():
                key, _, value = line.partition("=")
                if key in ("ob", "fn"):
                    current[key] = resolve(key, value)
                elif key in ("cob", "cfn"):
                    resolve(key[1:], value)
                elif key == "calls":
                    after_calls = True  # The next line is the call's cost.
                continue
            fields = line.split()
            first = fields[0]
            if first.startswith("0x"):
                address = int(first, 16)
            elif first[0] in "+-":
                address = last + int(first)
            elif first == "*":
                address = last
            else:
                continue
            last = address
            if after_calls:
                after_calls = False
                continue
            if len(fields) >= 3:
                counts[(current["ob"], address)] += int(fields[-1])
                function[(current["ob"], address)] = current["fn"]
    return counts, function


LOCKED = re.compile(r"\s*([0-9a-f]+):\s+(lock\b|xchg\s+%\w+,\S*\(|xchg\s+\S*\(\S*\),%)")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: locked_instructions.py CALLGRIND_DUMP REQUESTS")
    dump, requests = sys.argv[1], int(sys.argv[2])
    counts, function = executions(dump)
    total = 0
    by_function = collections.defaultdict(int)
    for obj in sorted({o for o, _ in counts if o}):
        listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj],
                                 capture_output=True, text=True).stdout
        for line in listing.splitlines():
            m = LOCKED.match(line)
            if not m:
                continue
            key = (obj, int(m.group(1), 16))
            if counts.get(key):
                total += counts[key]
                by_function[(obj.rsplit("/", 1)[-1], function[key])] += counts[key]
    print(f"locked instructions per request: {total / requests:.2f}")
    for (obj, fn), n in sorted(by_function.items(), key=lambda x: -x[1]):
        if n / requests >= 0.05:
            print(f"  {n / requests:7.2f}  {obj}  {(fn or '?')[:110]}")


if __name__ == "__main__":
    main()
