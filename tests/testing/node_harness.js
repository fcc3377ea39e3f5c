// The Node tests' common part: a tally of checks, the processes a test
// starts (the gateway, the demo backends) and their end with the test.
// CommonJS, so that both .js and .mjs tests load it.
//
// Usage:
//   const t = require(".../tests/testing/node_harness.js");
//   const [, port] = await t.startAndRead([gateway, ...args], /on http:\S+:(\d+)/);
//   t.check("GET answers 200", status === 200, `got ${status}`);
//   ... t.fail(error) for an unexpected exception ...
//   t.finish();  // stops the processes, prints the tally, sets the exit code
"use strict";
const path = require("path");
const readline = require("readline");
const { spawn } = require("child_process");

const tally = { passes: 0, failures: 0 };
const children = [];

function check(what, ok, detail = "") {
  if (ok) {
    tally.passes++;
  } else {
    tally.failures++;
    console.error(`FAIL: ${what}${detail ? ": " + detail : ""}`);
  }
}

// Counts an exception that ended the test early.
function fail(error) {
  tally.failures++;
  console.error(`FAIL: ${error.stack || error}`);
}

// Starts a process and resolves with the first stdout line matching `re`.
function startAndRead(argv, re, seconds = 30) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  child.stderr.on("data", (d) => process.stderr.write(`  ${path.basename(argv[0])}| ${d}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv[0]}: no /${re}/ in ${seconds}s`)),
      seconds * 1000);
    child.on("exit", (code) => reject(new Error(`${argv[0]} exited with ${code}`)));
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

// Stops every started process and prints the tally; exit code 1 on a failure.
function finish() {
  for (const child of children) child.kill("SIGTERM");
  console.log(`${tally.passes} passed, ${tally.failures} failed`);
  process.exitCode = tally.failures ? 1 : 0;
}

module.exports = { tally, check, fail, startAndRead, finish };
