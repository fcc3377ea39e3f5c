// Drives headless Chromium (Debian's) through --remote-debugging-pipe (the
// DevTools protocol over fds 3 and 4, NUL-terminated JSON; no npm packages,
// no downloaded browser): for each page URL given, opens the page, runs a
// credentialed fetch with a custom header to the gateway from it, and
// prints one JSON line per page:
//   {"page": URL, "ok": true, "status": 200, "body": "...", "requestId": "..."}
//   {"page": URL, "ok": false, "error": "TypeError: Failed to fetch"}
//
// Usage: node cors_browser.mjs [--grpc-web] GATEWAY_URL PAGE_URL...
// With --grpc-web the page instead makes the gRPC-Web (text mode) call
// Bookstore.GetShelf{shelf: 999} as a gRPC-Web client library does, and
// the line also has the grpcStatus and grpcMessage the page could read:
//   {"page": URL, "ok": true, "status": 200, "grpcStatus": "5", ...}
// Exits 0 when every page ran (whatever the fetch gave), 1 on a driver error.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const grpcWeb = args[0] === '--grpc-web';
const [gateway, ...pages] = grpcWeb ? args.slice(1) : args;
const profile = mkdtempSync(join(tmpdir(), 'protogate-chromium-'));
const browser = spawn('/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], detached: true });

const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];
let nextId = 1;
const waiting = new Map();  // id -> {resolve, reject}
const listeners = [];       // (message) => bool (true: handled, remove)
let buffer = '';
fromBrowser.on('data', (chunk) => {
  buffer += chunk.toString('utf8');
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (message.id !== undefined && waiting.has(message.id)) {
      const { resolve, reject } = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) reject(new Error(JSON.stringify(message.error)));
      else resolve(message.result);
    } else {
      for (let i = 0; i < listeners.length; ++i) {
        if (listeners[i](message)) listeners.splice(i--, 1);
      }
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

function once(method, sessionId) {
  return new Promise((resolve) => listeners.push((m) => {
    if (m.method !== method || m.sessionId !== sessionId) return false;
    resolve(m.params);
    return true;
  }));
}

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// The page's fetch: with credentials and a custom header (so a preflight).
const fetchCode = (url) => `
  fetch(${JSON.stringify(url)}, {credentials: 'include',
                                 headers: {'X-Api-Key': 'k1'}})
    .then(async (r) => ({ok: true, status: r.status, body: await r.text(),
                         requestId: r.headers.get('x-request-id')}))
    .catch((e) => ({ok: false, error: String(e)}))`;

// The page's gRPC-Web call: GetShelfRequest{shelf: 999} framed and base64,
// with the headers gRPC-Web clients send (so a preflight).
const grpcWebCode = (gatewayUrl) => `
  fetch(${JSON.stringify(gatewayUrl + '/demo.bookstore.v1.Bookstore/GetShelf')}, {
    method: 'POST', body: 'AAAAAAMI5wc=',
    headers: {'content-type': 'application/grpc-web-text',
              'x-grpc-web': '1', 'x-user-agent': 'grpc-web-javascript/0.1',
              'grpc-timeout': '5S'}})
    .then(async (r) => ({ok: true, status: r.status, body: await r.text(),
                         grpcStatus: r.headers.get('grpc-status'),
                         grpcMessage: r.headers.get('grpc-message')}))
    .catch((e) => ({ok: false, error: String(e)}))`;

async function visit(page) {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, sessionId);
  const loaded = once('Page.loadEventFired', sessionId);
  await send('Page.navigate', { url: page }, sessionId);
  await loaded;
  const { result } = await send('Runtime.evaluate', {
    expression: grpcWeb ? grpcWebCode(gateway) : fetchCode(`${gateway}/v1/shelves`),
    awaitPromise: true, returnByValue: true,
  }, sessionId);
  await send('Target.closeTarget', { targetId });
  return { page, ...result.value };
}

let code = 0;
try {
  for (const page of pages) {
    const line = await withDeadline(visit(page), 30000, page);
    process.stdout.write(JSON.stringify(line) + '\n');
  }
} catch (e) {
  process.stderr.write(`cors_browser: ${e.stack || e}\n`);
  code = 1;
} finally {
  const exited = browser.exitCode !== null || browser.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => browser.once('exit', resolve));
  try { await withDeadline(send('Browser.close'), 5000, 'Browser.close'); } catch {}
  // Chromium and its helper processes (its own process group) at once.
  try { process.kill(-browser.pid, 'SIGKILL'); } catch {}
  try { await withDeadline(exited, 10000, 'chromium exit'); } catch {}
  // Chromium's helpers may still be writing the profile for a moment.
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  } catch (e) {
    process.stderr.write(`cors_browser: profile ${profile} left behind: ${e.code}\n`);
  }
}
process.exit(code);
