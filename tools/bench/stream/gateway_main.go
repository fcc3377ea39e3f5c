// grpc-gateway 1.6.4 in front of demo_bookstore's StreamBooks, for the
// streaming case of tools/bench/run.sh. Same options as the peer's
// ../shared/tools/peer/gateway_main.go (proto3 JSON names, no defaults).
// Usage: bench_stream_gateway [-listen 127.0.0.1:8084] [-backend 127.0.0.1:50061]
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"runtime"

	streamv1 "benchstream/v1"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"
	"google.golang.org/grpc"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8084", "HTTP listen address (loopback)")
	backend := flag.String("backend", "127.0.0.1:50061", "gRPC backend address (loopback)")
	flag.Parse()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	mux := gwruntime.NewServeMux(
		gwruntime.WithMarshalerOption(gwruntime.MIMEWildcard,
			&gwruntime.JSONPb{OrigName: false, EmitDefaults: false}),
	)
	opts := []grpc.DialOption{grpc.WithInsecure()}
	if err := streamv1.RegisterBookstoreHandlerFromEndpoint(ctx, mux, *backend, opts); err != nil {
		log.Fatalf("register: %v", err)
	}
	log.Printf("bench_stream_gateway: listening on %s -> grpc %s (GOMAXPROCS=%d)",
		*listen, *backend, runtime.GOMAXPROCS(0))
	log.Fatal(http.ListenAndServe(*listen, mux))
}
