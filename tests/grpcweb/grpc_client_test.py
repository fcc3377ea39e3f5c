"""gRPC passthrough with Python grpcio (Debian python3-grpcio) through the
real gateway binary to the real demo backends, over h2c (HTTP/2 by prior
knowledge), or over TLS with ALPN h2 when PROTOGATE_TEST_TLS=1 (a
certificate for 127.0.0.1 made with the openssl CLI, trusted by the
client): unary, server streaming, client streaming, bidi streaming,
metadata both ways, a deadline that expires, a cancelled call, an unknown
method, and a gateway-only planned method answered as protobuf. A second
gateway in front of a grpcio backend that blocks until its call ends shows
that a cancelled unary gRPC call (RST_STREAM), and a REST/JSON GET over
HTTP/2 whose client goes away (curl killed), cancel the backend's call.
Message types are built at run time from the demo descriptor set.

Usage: /usr/bin/python3 grpc_client_test.py BUILD_DIR
"""
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import unittest
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

BUILD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build"
TLS = os.environ.get("PROTOGATE_TEST_TLS") == "1"
PROCS = []


def make_certificate(directory):
    """A self-signed certificate and key for 127.0.0.1; their paths."""
    cert, key = f"{directory}/cert.pem", f"{directory}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-keyout", key,
                    "-out", cert, "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def start(argv, pattern, seconds=30):
    """Starts argv; returns the first stdout match of `pattern`."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    PROCS.append(proc)
    found = []

    def read():
        for line in proc.stdout:
            if not found:
                m = re.search(pattern, line)
                if m:
                    found.append(m)
                    ready.set()

    ready = threading.Event()
    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(seconds):
        raise RuntimeError(f"{argv[0]}: no /{pattern}/ within {seconds}s")
    return found[0]


def setUpModule():
    global T
    pool = descriptor_pool.DescriptorPool()
    fds = descriptor_pb2.FileDescriptorSet()
    with open(f"{BUILD}/proto/demo.binpb", "rb") as f:
        fds.ParseFromString(f.read())
    for file in fds.file:
        pool.Add(file)
    factory = message_factory.MessageFactory(pool)
    T = lambda name: factory.GetPrototype(pool.FindMessageTypeByName(name))
    bookstore = start([f"{BUILD}/tools/demo/demo_bookstore", "--listen", "127.0.0.1:0"],
                      r"listening on \S+:(\d+)").group(1)
    storefront = start([f"{BUILD}/tools/demo/demo_storefront", "--listen", "127.0.0.1:0"],
                       r"listening on \S+:(\d+)").group(1)
    global CHANNEL, PORT
    CHANNEL, PORT = start_gateway([f"demo.bookstore=127.0.0.1:{bookstore}",
                                   f"demo.storefront=127.0.0.1:{storefront}"])


def start_gateway(backends, descriptors="demo.binpb"):
    """Starts a gateway in front of `backends` ("service=host:port"); returns
    a channel to it (h2c, or TLS when TLS) and its port."""
    argv = [f"{BUILD}/gateway/server/protogate", "--listen", "127.0.0.1:0",
            "--watch_interval", "0", "--descriptor_set", f"{BUILD}/proto/{descriptors}"]
    for backend in backends:
        argv += ["--backend", backend]
    if not TLS:
        port = start(argv, r"protogate listening on http://\S+:(\d+)").group(1)
        return grpc.insecure_channel(f"127.0.0.1:{port}"), port
    global TMP
    if "TMP" not in globals():
        TMP = tempfile.TemporaryDirectory()
        make_certificate(TMP.name)
    cert, key = f"{TMP.name}/cert.pem", f"{TMP.name}/key.pem"
    port = start(argv + ["--tls_cert", cert, "--tls_key", key],
                 r"protogate listening on https://\S+:(\d+)").group(1)
    with open(cert, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    return grpc.secure_channel(f"127.0.0.1:{port}", credentials), port


def tearDownModule():
    CHANNEL.close()
    if BLOCKING is not None:
        BLOCKING.close()
        BACKEND.stop(grace=None)
    for proc in PROCS:
        proc.terminate()
        proc.wait(timeout=30)


def method(kind, name, request, response, channel=None):
    make = getattr(channel or CHANNEL, kind)
    return make(name, request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=T(response).FromString)


BOOKSTORE = "/demo.bookstore.v1.Bookstore/"


class GrpcPassthroughTest(unittest.TestCase):
    def test_unary_with_metadata_both_ways(self):
        get_shelf = method("unary_unary", BOOKSTORE + "GetShelf", None, "demo.bookstore.v1.Shelf")
        shelf, call = get_shelf.with_call(T("demo.bookstore.v1.GetShelfRequest")(shelf=1),
                                          metadata=[("x-demo-echo-tag", "t1")], timeout=10)
        self.assertEqual(shelf.id, 1)
        self.assertIn(("x-demo-echo-tag", "t1"), list(call.trailing_metadata()))

    def test_server_streaming(self):
        stream = method("unary_stream", BOOKSTORE + "StreamBooks", None, "demo.bookstore.v1.Book")
        books = list(stream(T("demo.bookstore.v1.StreamBooksRequest")(shelf=1), timeout=10))
        self.assertEqual([b.id for b in books], [1, 2, 3])

    def test_client_streaming(self):
        create = method("stream_unary", BOOKSTORE + "CreateBooks", None,
                        "demo.bookstore.v1.CreateBooksResponse")
        Req = T("demo.bookstore.v1.CreateBookRequest")
        requests = (Req(shelf=2, book={"title": t}) for t in ["One", "Two", "Three"])
        response = create(requests, timeout=10)
        self.assertEqual([b.title for b in response.books], ["One", "Two", "Three"])

    def test_bidi_streaming(self):
        lookup = method("stream_stream", BOOKSTORE + "LookupBooks", None, "demo.bookstore.v1.Book")
        Req = T("demo.bookstore.v1.LookupBookRequest")
        names = ["shelves/1/books/2", "shelves/1/books/1"]
        books = list(lookup(iter(Req(name=n) for n in names), timeout=10))
        self.assertEqual([b.id for b in books], [2, 1])

    def test_deadline_exceeded(self):
        stream = method("unary_stream", BOOKSTORE + "StreamBooks", None, "demo.bookstore.v1.Book")
        with self.assertRaises(grpc.RpcError) as caught:
            list(stream(T("demo.bookstore.v1.StreamBooksRequest")(shelf=1, delay_ms=5000),
                        timeout=0.3))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_cancel(self):
        stream = method("unary_stream", BOOKSTORE + "StreamBooks", None, "demo.bookstore.v1.Book")
        call = stream(T("demo.bookstore.v1.StreamBooksRequest")(shelf=1, repeat=1000), timeout=30)
        first = next(call)
        self.assertEqual(first.id, 1)
        call.cancel()
        with self.assertRaises(grpc.RpcError) as caught:
            list(call)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.CANCELLED)
        # The gateway goes on serving.
        self.test_unary_with_metadata_both_ways()

    def test_backend_error_and_unknown_method(self):
        get_shelf = method("unary_unary", BOOKSTORE + "GetShelf", None, "demo.bookstore.v1.Shelf")
        with self.assertRaises(grpc.RpcError) as caught:
            get_shelf(T("demo.bookstore.v1.GetShelfRequest")(shelf=999), timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        nope = method("unary_unary", BOOKSTORE + "Nope", None, "demo.bookstore.v1.Shelf")
        with self.assertRaises(grpc.RpcError) as caught:
            nope(T("demo.bookstore.v1.GetShelfRequest")(shelf=1), timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_planned_method_answers_protobuf(self):
        page = method("unary_unary", "/demo.storefront.v1.Storefront/GetProductPage", None,
                      "demo.storefront.v1.ProductPage")
        result = page(T("demo.storefront.v1.GetProductPageRequest")(id="p1"), timeout=10)
        self.assertEqual(result.product.id, "p1")
        self.assertTrue(result.HasField("price"))


BLOCKING = None  # A channel to the gateway in front of BACKEND.
BACKEND = None
CALLS = queue.Queue()  # One threading.Event per call BACKEND receives.


def blocking_get_shelf(request, context):
    """Blocks until the call ends (the gateway cancels it, or its deadline
    passes); CALLS gets an event set when it ends."""
    ended = threading.Event()
    context.add_callback(ended.set)
    CALLS.put(ended)
    ended.wait(60)
    return T("demo.bookstore.v1.Shelf")(id=request.shelf)


class UnaryCancellationTest(unittest.TestCase):
    """The backend sees a unary call end when the gateway's client leaves."""

    @classmethod
    def setUpClass(cls):
        global BLOCKING, BACKEND, BLOCKING_PORT
        BACKEND = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.unary_unary_rpc_method_handler(
            blocking_get_shelf,
            request_deserializer=T("demo.bookstore.v1.GetShelfRequest").FromString,
            response_serializer=lambda m: m.SerializeToString())
        BACKEND.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
            "demo.bookstore.v1.Bookstore", {"GetShelf": handler})])
        backend_port = BACKEND.add_insecure_port("127.0.0.1:0")
        BACKEND.start()
        BLOCKING, BLOCKING_PORT = start_gateway(
            [f"demo.bookstore=127.0.0.1:{backend_port}"], "bookstore.binpb")

    def test_cancelled_unary_grpc_call_cancels_the_backend_call(self):
        get_shelf = method("unary_unary", BOOKSTORE + "GetShelf", None,
                           "demo.bookstore.v1.Shelf", channel=BLOCKING)
        future = get_shelf.future(T("demo.bookstore.v1.GetShelfRequest")(shelf=1),
                                  timeout=60)
        ended = CALLS.get(timeout=10)
        self.assertFalse(ended.is_set())
        self.assertTrue(future.cancel())  # RST_STREAM to the gateway.
        self.assertTrue(ended.wait(10), "the backend's unary call was not cancelled")

    def test_rest_get_over_http2_whose_client_leaves_cancels_the_backend_call(self):
        if TLS:
            url = f"https://127.0.0.1:{BLOCKING_PORT}/v1/shelves/1"
            flags = ["--http2", "--cacert", f"{TMP.name}/cert.pem"]
        else:
            url = f"http://127.0.0.1:{BLOCKING_PORT}/v1/shelves/1"
            flags = ["--http2-prior-knowledge"]
        curl = subprocess.Popen(["curl", "-s", "-o", "/dev/null", *flags, url])
        try:
            ended = CALLS.get(timeout=10)
            self.assertFalse(ended.is_set())
        finally:
            curl.kill()  # Its connection closes.
            curl.wait(timeout=10)
        self.assertTrue(ended.wait(10), "the backend's unary call was not cancelled")


if __name__ == "__main__":
    unittest.main()
