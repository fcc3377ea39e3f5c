// The explorer page (/-/explorer) in a real browser: headless Debian
// chromium driven by puppeteer-core, against the real gateway and the demo
// backends. The page loads with no console errors, lists the demo's routes,
// a try-it call returns the demo book, the plan picture has one node per
// step and shows the steps' Server-Timing after a call; against a gateway
// whose GetBook needs a JWT, the try-it call is 401 without the token field
// and 200 with it. Keeps a screenshot in BUILD_DIR/tests/operate/explorer.png.
// Usage: node explorer_test.js REPO_DIR BUILD_DIR
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const { createRequire } = require("module");

const [repo, build] = process.argv.slice(2).map((p) => path.resolve(p));
const puppeteer = createRequire(path.join(repo, "tools/node/package.json"))(
  "puppeteer-core");
const { check, fail, startAndRead, finish } = require(
  path.join(repo, "tests/testing/node_harness.js"));

// Clicks the listed route with this HTTP method and gRPC method.
async function clickRoute(page, verb, method) {
  for (const item of await page.$$("#routes li")) {
    const text = await item.evaluate((li) => li.textContent);
    if (text.startsWith(verb) && text.endsWith(method)) {
      await item.click();
      return;
    }
  }
  throw new Error(`no route ${verb} ${method} in the list`);
}

// An HS256 JWT (node's crypto HMAC) for `claims`.
function hs256(secret, claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  return `${input}.${crypto.createHmac("sha256", secret).update(input).digest("base64url")}`;
}

// A gateway whose GetBook needs a JWT of the provider "demo" (HS256); its
// origin and a token it accepts.
async function startAuthGateway(dir, bookstore, storefront) {
  const secret = crypto.randomBytes(32);
  fs.writeFileSync(path.join(dir, "secret"), secret);
  fs.writeFileSync(path.join(dir, "auth.yaml"), `
listen: 127.0.0.1:0
descriptors: {descriptor_sets: ["${build}/proto/demo.binpb"], watch_interval: 0s}
backends:
  - {service: demo.bookstore, target: "127.0.0.1:${bookstore}"}
  - {service: demo.storefront, target: "127.0.0.1:${storefront}"}
auth:
  jwt_providers:
    - {name: demo, issuer: "https://issuer.test", hmac_secret_file: "${dir}/secret"}
methods:
  - {selector: demo.bookstore.v1.Bookstore.GetBook, auth: {require_any: [demo]}}
`);
  const [, port] = await startAndRead([`${build}/gateway/server/protogate`,
    "--config", path.join(dir, "auth.yaml")], /protogate listening on http:\/\/\S+:(\d+)/);
  const token = hs256(secret, { iss: "https://issuer.test", sub: "explorer",
    exp: Math.floor(Date.now() / 1000) + 600 });
  return [`http://127.0.0.1:${port}`, token];
}

// The try-it form against the auth gateway: 401 without the token field,
// the book with it.
async function checkTokenField(browser, origin, token) {
  const page = await browser.newPage();
  await page.goto(`${origin}/-/explorer`, { waitUntil: "load" });
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
  await page.type("#search", "GetBook");
  await clickRoute(page, "GET", "demo.bookstore.v1.Bookstore.GetBook");
  await page.waitForSelector("body[data-selected='demo.bookstore.v1.Bookstore.GetBook']");
  await page.type("[data-param=shelf]", "1");
  await page.type("[data-param=book]", "1");
  await page.click("#send");
  await page.waitForSelector("#result:not([hidden])");
  await page.waitForFunction(() => !document.querySelector("#send").disabled);
  const denied = await page.$eval("#status", (e) => e.textContent);
  const challenge = await page.$eval("#headers", (e) => e.textContent);
  check("without a token: 401 with its challenge", denied.startsWith("401") &&
    /www-authenticate: Bearer/i.test(challenge), `${denied} ${challenge}`);
  await page.type("#token", token);
  await page.click("#send");
  await page.waitForFunction(() =>
    document.querySelector("#status").textContent.startsWith("200"), { timeout: 15000 });
  const body = await page.$eval("#response", (e) => e.textContent);
  check("with the token field: the book",
    body.includes('"title": "The Left Hand of Darkness"'), body);
  await page.close();
}

async function main() {
  const [, bookstore] = await startAndRead(
    [`${build}/tools/demo/demo_bookstore`, "--listen", "127.0.0.1:0"], /listening on \S+:(\d+)/);
  const [, storefront] = await startAndRead(
    [`${build}/tools/demo/demo_storefront`, "--listen", "127.0.0.1:0"], /listening on \S+:(\d+)/);
  const [, port] = await startAndRead([`${build}/gateway/server/protogate`,
    "--listen", "127.0.0.1:0", "--watch_interval", "0",
    "--descriptor_set", `${build}/proto/demo.binpb`,
    "--backend", `demo.bookstore=127.0.0.1:${bookstore}`,
    "--backend", `demo.storefront=127.0.0.1:${storefront}`],
    /protogate listening on http:\/\/\S+:(\d+)/);
  const origin = `http://127.0.0.1:${port}`;

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "explorer-chromium-"));
  const authDir = fs.mkdtempSync(path.join(os.tmpdir(), "explorer-auth-"));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update",
      "--disable-sync", `--user-data-dir=${profile}`],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1500 });
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    const external = [];
    page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) external.push(r.url()); });

    await page.goto(`${origin}/-/explorer`, { waitUntil: "load" });
    await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
    const routes = await page.$$eval("#routes li", (items) => items.map((li) => li.textContent));
    check("the route list shows GET /v1/shelves",
      routes.some((t) => t.includes("GET") && t.includes("/v1/shelves") &&
        t.includes("demo.bookstore.v1.Bookstore.ListShelves")), routes.slice(0, 3).join(" | "));
    check("GetProductPage is marked as a plan",
      routes.some((t) => t.includes("GetProductPage") && t.includes("plan")));

    // Search narrows the list.
    await page.type("#search", "shelves books {book}");
    const found = await page.$$eval("#routes li", (items) => items.map((li) => li.textContent));
    check("search finds GetBook",
      found.length > 0 && found.length < routes.length &&
      found.some((t) => t.includes("demo.bookstore.v1.Bookstore.GetBook")), found.join(" | "));

    // Try it: GET /v1/shelves/1/books/1.
    await clickRoute(page, "GET", "demo.bookstore.v1.Bookstore.GetBook");
    await page.waitForSelector("body[data-selected='demo.bookstore.v1.Bookstore.GetBook']");
    const responseSchema = await page.$eval("#response-schema", (e) => e.textContent);
    check("the response schema lists Book's fields",
      responseSchema.includes("title") && responseSchema.includes("authors"), responseSchema);
    const requestSchema = await page.$eval("#request-schema", (e) => e.textContent);
    check("the request lists the path parameters",
      requestSchema.includes("shelf") && requestSchema.includes("(path, required)"), requestSchema);
    await page.type("[data-param=shelf]", "1");
    await page.type("[data-param=book]", "1");
    await page.click("#send");
    await page.waitForSelector("#result:not([hidden])");
    const status = await page.$eval("#status", (e) => e.textContent);
    const body = await page.$eval("#response", (e) => e.textContent);
    check("try-it answers 200", status.startsWith("200"), status);
    check("try-it returns the demo book", body.includes('"title": "The Left Hand of Darkness"'), body);
    const headers = await page.$eval("#headers", (e) => e.textContent);
    check("try-it shows the response headers", /x-request-id: /i.test(headers), headers);

    // The plan picture of GetProductPage: one node per step, then timings.
    await page.$eval("#search", (e) => { e.value = ""; });
    await page.type("#search", "GetProductPage");
    await clickRoute(page, "GET", "demo.storefront.v1.Storefront.GetProductPage");
    await page.waitForSelector("#plan-picture svg");
    const plan = await (await fetch(`${origin}/-/plans/demo.storefront.v1.Storefront.GetProductPage`)).json();
    const nodes = await page.$$eval("#plan-picture .step", (g) => g.map((n) => n.dataset.step));
    check("one node per plan step", JSON.stringify(nodes) === JSON.stringify(plan.steps.map((s) => s.id)),
      `${nodes} vs ${plan.steps.map((s) => s.id)}`);
    await page.type("[data-param=id]", "p1");
    await page.click("#send");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#plan-picture .timing")].some((t) => t.textContent.endsWith(" ms")),
      { timeout: 15000 });
    const timings = await page.$$eval("#plan-picture .timing", (t) => t.map((n) => n.textContent));
    check("every step shows its Server-Timing", timings.length === plan.steps.length &&
      timings.every((t) => / ms$/.test(t)), timings.join(", "));
    const pageBody = await page.$eval("#response", (e) => e.textContent);
    check("the plan call returns the product page", pageBody.includes("Yirgacheffe"), pageBody.slice(0, 200));

    const shot = path.join(build, "tests/operate/explorer.png");
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    check("the screenshot is written", fs.statSync(shot).size > 10000);

    // A plan with dependencies and a fan-out: one edge per dependency.
    await page.$eval("#search", (e) => { e.value = ""; });
    await page.type("#search", "ListProductPages");
    await clickRoute(page, "GET", "demo.storefront.v1.Storefront.ListProductPages");
    await page.waitForSelector("body[data-selected='demo.storefront.v1.Storefront.ListProductPages']");
    const fanout = await (await fetch(
      `${origin}/-/plans/demo.storefront.v1.Storefront.ListProductPages`)).json();
    const edges = await page.$$eval("#plan-picture .edge", (e) => e.length);
    const deps = fanout.steps.reduce((n, s) => n + s.depends_on.length, 0);
    check("one edge per dependency", deps > 0 && edges === deps, `${edges} vs ${deps}`);
    const labels = await page.$eval("#plan-picture svg", (e) => e.textContent);
    const modes = fanout.steps.filter((s) => s.for_each).map((s) => s.for_each.mode);
    check("fan-out steps show their mode", modes.length > 0 &&
      modes.every((m) => labels.includes(`fan-out: ${m.toLowerCase()}`)), labels);
    await page.screenshot({ path: path.join(build, "tests/operate/explorer-fanout.png") });
    check("no console errors", errors.length === 0, errors.join("\n"));
    check("nothing loaded from elsewhere", external.length === 0, external.join(" "));

    const [authOrigin, token] = await startAuthGateway(authDir, bookstore, storefront);
    await checkTokenField(browser, authOrigin, token);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(authDir, { recursive: true, force: true });
  }
}

main().catch(fail).finally(finish);
