// The generated TypeScript client (compiled to JS by check_plugin.sh) used
// as an application would: first against a fake fetch (URLs, query, bodies,
// headers, errors), then against the real protogate gateway in front of the
// demo bookstore backend, both started here on 127.0.0.1:0.
// Env: PROTOGATE_CODEGEN_JS (compiled client), PROTOGATE_TEST_BIN_DIR.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import path from "node:path";

const js = process.env.PROTOGATE_CODEGEN_JS;
const bin = process.env.PROTOGATE_TEST_BIN_DIR;
const { BookstoreClient } = await import(path.join(js, "demo/bookstore.js"));
const { StorefrontClient } = await import(path.join(js, "demo/storefront.js"));
const runtime = await import(path.join(js, "protogate_runtime.js"));
const { ProtogateError } = runtime;

// A fetch that records requests and answers `reply`.
function fakeFetch(reply = { status: 200, body: {} }) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "Content-Type": "application/json" },
    });
  };
  return { fetch, calls };
}

describe("runtime", () => {
  test("encodeSegment encodes every reserved character", () => {
    assert.equal(runtime.encodeSegment("a/b c?#%"), "a%2Fb%20c%3F%23%25");
  });
  test("encodePath encodes each segment and keeps '/'", () => {
    assert.equal(runtime.encodePath("shelves/1 2/books/x?y"),
      "shelves/1%202/books/x%3Fy");
  });
  test("Query repeats arrays, skips undefined and encodes '+' and ' '", () => {
    const q = new runtime.Query();
    q.add("a", undefined);
    q.add("b", null);
    q.add("tags", ["x y", "c+d"]);
    q.add("n", 0);
    assert.equal(q.toString(), "?tags=x%20y&tags=c%2Bd&n=0");
    assert.equal(new runtime.Query().toString(), "");
  });
  test("Query.addMap sends name[key]=value per entry", () => {
    const q = new runtime.Query();
    q.addMap("labels", { "a b": "x", lang: "en" });
    q.addMap("none", undefined);
    assert.equal(q.toString(), "?labels%5Ba%20b%5D=x&labels%5Blang%5D=en");
  });
  test("omit removes nested paths without touching the input", () => {
    const input = { a: 1, b: { c: 2, d: 3 } };
    assert.deepEqual(runtime.omit(input, [["a"], ["b", "c"]]), { b: { d: 3 } });
    assert.deepEqual(input, { a: 1, b: { c: 2, d: 3 } });
  });
});

describe("generated client with a fake fetch", () => {
  test("path variables, query parameters and headers", async () => {
    const { fetch, calls } = fakeFetch();
    const client = new BookstoreClient({
      baseUrl: "http://gw.test/api/", fetch, headers: { "x-request-id": "r1" },
    });
    await client.listBooks({ shelf: "7", pageSize: 2, genre: "GENRE_POETRY",
      tags: ["a b", "c"] }, { headers: { authorization: "Bearer t" } });
    assert.equal(calls[0].url,
      "http://gw.test/api/v1/shelves/7/books?page_size=2&genre=GENRE_POETRY&tags=a%20b&tags=c");
    assert.equal(calls[0].init.method, "GET");
    assert.equal(calls[0].init.body, undefined);
    assert.equal(calls[0].init.headers["x-request-id"], "r1");
    assert.equal(calls[0].init.headers.authorization, "Bearer t");
  });
  test("a token or a header provider in the options", async () => {
    const { fetch, calls } = fakeFetch();
    let n = 0;
    const client = new BookstoreClient({
      baseUrl: "http://gw.test", fetch, token: async () => `t${++n}`,
      headerProvider: () => ({ "x-api-key": "k" }),
    });
    await client.listShelves({});
    await client.listShelves({}, { headers: { authorization: "Bearer own" } });
    assert.equal(calls[0].init.headers.authorization, "Bearer t1");
    assert.equal(calls[0].init.headers["x-api-key"], "k");
    assert.equal(calls[1].init.headers.authorization, "Bearer own");
    const fixed = new BookstoreClient({ baseUrl: "http://gw.test", fetch,
      token: "abc" });
    await fixed.listShelves({});
    assert.equal(calls[2].init.headers.authorization, "Bearer abc");
  });
  test("multi-segment variables keep '/', verbs stay literal", async () => {
    const { fetch, calls } = fakeFetch();
    const client = new BookstoreClient({ baseUrl: "http://gw.test", fetch });
    await client.lookupBook({ name: "shelves/1/books/a b" });
    await client.checkIsbns({ isbns: ["1"] });
    assert.equal(calls[0].url, "http://gw.test/v1/lookup/shelves/1/books/a%20b");
    assert.equal(calls[1].url, "http://gw.test/v1/isbn:check");
    assert.deepEqual(JSON.parse(calls[1].init.body), { isbns: ["1"] });
  });
  test("body field without the path-bound fields", async () => {
    const { fetch, calls } = fakeFetch();
    const client = new BookstoreClient({ baseUrl: "http://gw.test", fetch });
    await client.updateBook({ book: { id: "2", shelfId: "1", title: "T" } });
    assert.equal(calls[0].url, "http://gw.test/v1/shelves/1/books/2");
    assert.equal(calls[0].init.method, "PATCH");
    assert.deepEqual(JSON.parse(calls[0].init.body), { title: "T" });
    assert.equal(calls[0].init.headers["Content-Type"], "application/json");
  });
  test("passes the AbortSignal", async () => {
    const { fetch, calls } = fakeFetch();
    const client = new BookstoreClient({ baseUrl: "http://gw.test", fetch });
    const controller = new AbortController();
    await client.getShelf({ shelf: "1" }, { signal: controller.signal });
    assert.equal(calls[0].init.signal, controller.signal);
  });
  test("non-2xx responses reject with ProtogateError", async () => {
    const { fetch } = fakeFetch({ status: 404,
      body: { code: 5, message: "no shelf", details: [] } });
    const client = new BookstoreClient({ baseUrl: "http://gw.test", fetch });
    await assert.rejects(client.getShelf({ shelf: "9" }), (error) => {
      assert.ok(error instanceof ProtogateError);
      assert.equal(error.httpStatus, 404);
      assert.deepEqual(error.status, { code: 5, message: "no shelf", details: [] });
      assert.equal(error.message, "no shelf");
      return true;
    });
  });
});

// Starts a binary and resolves with the port of its "listening on" line.
function start(file, args, children) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const timer = setTimeout(() => reject(new Error(`${file}: no port in 30s`)), 30000);
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (?:http:\/\/)?[^\s:]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}`));
    });
  });
}

describe("generated client against the gateway", () => {
  const children = [];
  let client;
  let shop;

  before(async () => {
    const backend = await start(path.join(bin, "tools/demo/demo_bookstore"),
      ["--listen", "127.0.0.1:0"], children);
    const storefront = await start(path.join(bin, "tools/demo/demo_storefront"),
      ["--listen", "127.0.0.1:0"], children);
    const gateway = await start(path.join(bin, "gateway/server/protogate"), [
      "--listen", "127.0.0.1:0",
      "--descriptor_set", path.join(bin, "proto/demo.binpb"),
      "--backend", `demo.bookstore=127.0.0.1:${backend}`,
      "--backend", `demo.storefront=127.0.0.1:${storefront}`,
    ], children);
    client = new BookstoreClient({ baseUrl: `http://127.0.0.1:${gateway}` });
    shop = new StorefrontClient({ baseUrl: `http://127.0.0.1:${gateway}` });
  });

  // SIGTERM drains; waits for both to exit (SIGKILL after 10 s).
  after(async () => {
    await Promise.all(children.map((child) => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    })));
  });

  test("unary calls: create, get, list, lookup", async () => {
    const shelf = await client.createShelf({ shelf: { theme: "Codegen" } });
    assert.equal(shelf.theme, "Codegen");
    assert.equal(typeof shelf.id, "string");  // int64 is a JSON string.
    assert.deepEqual(await client.getShelf({ shelf: shelf.id }), shelf);
    const book = await client.createBook({ shelf: shelf.id, book: {
      title: "Typed Clients", genre: "GENRE_SCIENCE", tags: ["ts"],
      labels: { language: "en" } } });
    assert.equal(book.title, "Typed Clients");
    assert.equal(book.shelfId, shelf.id);
    const listed = await client.listBooks({ shelf: shelf.id, tags: ["ts"] });
    assert.deepEqual(listed.books.map((b) => b.title), ["Typed Clients"]);
    const found = await client.lookupBook({
      name: `shelves/${shelf.id}/books/${book.id}` });
    assert.equal(found.id, book.id);
    const shelves = await client.listShelves();
    assert.ok(shelves.shelves.some((s) => s.id === shelf.id));
  });

  test("body field with path-bound nested fields", async () => {
    const shelf = await client.createShelf({ shelf: { theme: "Updates" } });
    const book = await client.createBook({ shelf: shelf.id,
      book: { title: "Draft" } });
    const updated = await client.updateBook({ book: { ...book, title: "Final" } });
    assert.equal(updated.title, "Final");
    assert.equal((await client.getBook({ shelf: shelf.id, book: book.id })).title,
      "Final");
  });

  test("verb route and the gRPC path of an unannotated method", async () => {
    const checked = await client.checkIsbns({ isbns: ["9780306406157", "1"] });
    assert.deepEqual(checked.valid, { "9780306406157": true, "1": false });
    const stats = await client.stats();
    assert.equal(typeof stats.shelves, "number");
  });

  test("errors are ProtogateError with the google.rpc.Status", async () => {
    await assert.rejects(client.getShelf({ shelf: "987654321" }), (error) => {
      assert.ok(error instanceof ProtogateError);
      assert.equal(error.httpStatus, 404);
      assert.equal(error.status.code, 5);
      assert.match(error.status.message, /987654321/);
      assert.ok(Array.isArray(error.status.details));
      return true;
    });
  });
  test("an aggregated method is an ordinary method", async () => {
    const page = await shop.getProductPage({ id: "p1" });
    assert.equal(page.product.id, "p1");
    assert.equal(page.price.productId, "p1");
    assert.equal(page.stock.productId, "p1");
    assert.ok(Array.isArray(page.reviews));
    const list = await shop.listProductPages({ pageSize: 2 });
    assert.equal(list.products.length, 2);
    for (const item of list.products) {
      assert.equal(item.price.productId, item.id);
    }
    await assert.rejects(shop.getProductPage({ id: "nope" }), (error) => {
      assert.ok(error instanceof ProtogateError);
      assert.equal(error.httpStatus, 404);
      return true;
    });
  });

  test("a server stream is an AsyncIterable of messages", async () => {
    const titles = [];
    for await (const book of client.streamBooks({ shelf: "1" })) {
      titles.push(book.title);
    }
    assert.equal(titles.length, 3);
    assert.equal(titles[0], "The Left Hand of Darkness");
    const repeated = [];
    for await (const book of client.streamBooks({ shelf: "2", repeat: 50 })) {
      repeated.push(book.id);
    }
    assert.equal(repeated.length, 150);
  });

  test("a stream failing after its first messages throws the status", async () => {
    const seen = [];
    await assert.rejects(async () => {
      for await (const book of client.streamBooks({ shelf: "1", failAfter: 2 })) {
        seen.push(book.id);
      }
    }, (error) => {
      assert.ok(error instanceof ProtogateError);
      assert.equal(error.status.code, 10);
      assert.equal(error.status.message, "demo stream failure after 2 books");
      return true;
    });
    assert.deepEqual(seen, ["1", "2"]);
  });

  test("a stream failing before its first message throws at once", async () => {
    await assert.rejects(async () => {
      for await (const _ of client.streamBooks({ shelf: "987654321" })) {
        assert.fail("no message expected");
      }
    }, (error) => {
      assert.ok(error instanceof ProtogateError);
      assert.equal(error.httpStatus, 404);
      return true;
    });
  });

  test("google.api.HttpBody requests and responses are raw bytes", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7]);
    const shelf = await client.createShelf({ shelf: { theme: "Covers" } });
    const book = await client.createBook({ shelf: shelf.id,
      book: { title: "Pictures" } });
    const updated = await client.uploadBookCover({ shelf: shelf.id, book: book.id,
      cover: { contentType: "image/png", data: png.toString("base64") } });
    assert.equal(updated.coverThumbnail, png.toString("base64"));
    const cover = await client.getBookCover({ shelf: shelf.id, book: book.id });
    assert.equal(cover.contentType, "image/png");
    assert.deepEqual(Buffer.from(cover.data, "base64"), png);
    const imported = await client.importBooks({ contentType: "text/csv",
      data: Buffer.from(`${shelf.id},Imported One,GENRE_POETRY\n`).toString("base64") });
    assert.deepEqual(imported.books.map((b) => b.title), ["Imported One"]);
  });
});
