// Command faultyproxy is a deliberately faulty reverse proxy for the tests:
// a gateway with the bugs gatecrash exists to catch.
//
//	faultyproxy -listen 127.0.0.1:8080 -origin 127.0.0.1:9090 -mode MODE
//
// Modes:
//
//	cut-stalled-chunked  proxies HTTP, streaming each body to the client as
//	                     chunks; when the origin's body stalls for -stall, it
//	                     ends the chunked stream cleanly, as if the body were
//	                     whole: a silent truncation.
//	relay-raw            relays the bytes both ways unchanged, so whatever
//	                     the origin answers, garbage included, reaches the
//	                     client.
//	crash-on-garbage     relays like relay-raw, but exits when the origin's
//	                     answer does not start as HTTP: a gateway that dies.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	origin := flag.String("origin", "", "origin host:port")
	mode := flag.String("mode", "relay-raw", "cut-stalled-chunked, relay-raw or crash-on-garbage")
	stall := flag.Duration("stall", 300*time.Millisecond, "how long a body may stall before it is ended")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("faultyproxy %s listening on %s for %s", *mode, *listen, *origin)
	switch *mode {
	case "cut-stalled-chunked":
		log.Fatal(http.Serve(ln, cutStalled(*origin, *stall)))
	case "relay-raw", "crash-on-garbage":
		for {
			conn, err := ln.Accept()
			if err != nil {
				log.Fatal(err)
			}
			go relay(conn, *origin, *mode == "crash-on-garbage")
		}
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
}

// cutStalled proxies to origin and ends a stalled body as if it were whole.
func cutStalled(origin string, stall time.Duration) http.Handler {
	transport := &http.Transport{DisableKeepAlives: true, ResponseHeaderTimeout: 5 * time.Second}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.RequestURI = "http", origin, ""
		resp, err := transport.RoundTrip(out)
		if err != nil {
			log.Printf("%s %s: answering 502: %v", r.Method, r.URL.Path, err)
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			if k != "Content-Length" && k != "Connection" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(resp.StatusCode)
		flusher := w.(http.Flusher)
		flusher.Flush() // no length: the body goes out chunked
		chunks := make(chan []byte, 16)
		go func() {
			defer close(chunks)
			for {
				buf := make([]byte, 32<<10)
				n, err := resp.Body.Read(buf)
				if n > 0 {
					chunks <- buf[:n]
				}
				if err != nil {
					return
				}
			}
		}()
		for {
			select {
			case b, ok := <-chunks:
				if !ok {
					return
				}
				_, _ = w.Write(b)
				flusher.Flush()
			case <-time.After(stall):
				// The bug: returning ends the chunked stream with its
				// last-chunk, as if the body were complete.
				log.Printf("%s %s: body stalled for %s, ending it", r.Method, r.URL.Path, stall)
				return
			}
		}
	})
}

// relay copies bytes between the client and the origin; with crash set it
// exits when the origin's first bytes are not an HTTP status line.
func relay(client net.Conn, origin string, crash bool) {
	defer client.Close()
	up, err := net.Dial("tcp", origin)
	if err != nil {
		log.Printf("connect to origin: %v", err)
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, client) }()
	first := make([]byte, 5)
	n, err := io.ReadFull(up, first)
	if crash && n > 0 && !bytes.Equal(first[:n], []byte("HTTP/")[:n]) {
		fmt.Fprintf(os.Stderr, "faultyproxy: the origin answered %q, not HTTP: crashing\n", first[:n])
		os.Exit(3)
	}
	_, _ = client.Write(first[:n])
	if err == nil {
		_, _ = io.Copy(client, up)
	}
}
