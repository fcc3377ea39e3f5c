// A gRPC-Web client from npm (@connectrpc/connect-node's
// createGrpcWebTransport) against the real gateway binary and the real demo
// backends, over HTTP/1.1 and over HTTP/2 (h2c): unary and server-streaming
// calls, metadata both ways, error statuses, a gateway-only planned method
// answered as protobuf. The message
// types come from the demo descriptor set at run time (@bufbuild/protobuf's
// registry), so the test needs no code generation.
// Usage: node grpc_web_client_test.mjs REPO_DIR BUILD_DIR
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [repo, build] = process.argv.slice(2).map((p) => path.resolve(p));
const need = createRequire(path.join(repo, "tools/node/package.json"));
const { createFileRegistry, fromBinary } = need("@bufbuild/protobuf");
const { FileDescriptorSetSchema } = need("@bufbuild/protobuf/wkt");
const { createClient, ConnectError, Code } = need("@connectrpc/connect");
const { createGrpcWebTransport } = need("@connectrpc/connect-node");

const { check, fail, startAndRead, finish } = need(
  path.join(repo, "tests/testing/node_harness.js"));

async function callsOver(httpVersion, baseUrl, registry) {
  const transport = createGrpcWebTransport({ baseUrl, httpVersion });
  const bookstore = createClient(registry.getService("demo.bookstore.v1.Bookstore"), transport);
  const storefront = createClient(registry.getService("demo.storefront.v1.Storefront"), transport);
  const tag = `over HTTP/${httpVersion}`;

  let trailer;
  const shelf = await bookstore.getShelf({ shelf: 1n }, {
    headers: { "x-demo-echo-tag": "t1" },
    onTrailer: (t) => { trailer = t; },
  });
  check(`unary GetShelf ${tag}`, shelf.id === 1n, JSON.stringify(shelf.theme));
  check(`request metadata echoed in the trailer ${tag}`,
    trailer?.get("x-demo-echo-tag") === "t1", String(trailer?.get("x-demo-echo-tag")));

  const titles = [];
  for await (const book of bookstore.streamBooks({ shelf: 1n })) titles.push(book.title);
  check(`server stream StreamBooks ${tag}`, titles.length === 3, titles.join("|"));

  try {
    await bookstore.getShelf({ shelf: 999n });
    check(`GetShelf 999 fails ${tag}`, false, "it succeeded");
  } catch (e) {
    const err = ConnectError.from(e);
    check(`GetShelf 999 is NOT_FOUND ${tag}`, err.code === Code.NotFound, `${err.code} ${err.message}`);
  }

  try {
    const count = [];
    for await (const book of bookstore.streamBooks({ shelf: 1n, failAfter: 2 })) count.push(book);
    check(`failing stream ends in an error ${tag}`, false, "it succeeded");
  } catch (e) {
    const err = ConnectError.from(e);
    check(`failing stream is ABORTED ${tag}`, err.code === Code.Aborted, `${err.code} ${err.message}`);
  }

  const page = await storefront.getProductPage({ id: "p1" });
  check(`planned GetProductPage answers the merged message ${tag}`,
    page.product?.id === "p1" && page.price !== undefined, JSON.stringify(page.product?.id));
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
  const registry = createFileRegistry(
    fromBinary(FileDescriptorSetSchema, readFileSync(`${build}/proto/demo.binpb`)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await callsOver("1.1", baseUrl, registry);
  await callsOver("2", baseUrl, registry);  // h2c, by prior knowledge.
}

try {
  await main();
} catch (e) {
  fail(e);
} finally {
  finish();
}
// The HTTP/2 sessions of the transport would keep the process alive.
process.exit(process.exitCode);
