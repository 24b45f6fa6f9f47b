package harness_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// FuzzClientAnswer has a gateway answer with any bytes: the client must
// never panic or hang, and it either reads valid HTTP or names what broke.
func FuzzClientAnswer(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 502 Bad Gateway\r\n\r\n",
		"HTTP/1.1 999 Nope\r\n\r\n",
		"HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nhi",
		"HTTP/1.1 999 Weird\r\nContent-Length: 10\r\n\r\nhi",
		"HTTP/1.1 099 Low\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
		"HTTP/1.1 000 Zero\r\n\r\n",
		"HTTP/1.1 +20 Plus\r\n\r\n",
		"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nhi",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 5\r\n\r\nhello",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Skip(err)
		}
		defer ln.Close()
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 4096)
			_, _ = conn.Read(buf)
			_, _ = conn.Write(answer)
		}()
		start := time.Now()
		obs := harness.Do(context.Background(), "http://"+ln.Addr().String(), harness.Request{Timeout: time.Second})
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the client took %s on a 1s timeout", time.Since(start))
		}
		if obs.ValidHTTP() == (obs.ErrorKind != "") {
			t.Fatalf("valid %v but error kind %q", obs.ValidHTTP(), obs.ErrorKind)
		}
		if obs.ErrorKind != "" && obs.Error == "" {
			t.Fatalf("error kind %q without a message", obs.ErrorKind)
		}
		// A status is three digits, read whatever its value; only those
		// RFC 9110 defines make a valid answer.
		if obs.Status < 0 || obs.Status > 999 {
			t.Fatalf("status %d is not three digits", obs.Status)
		}
		if outside := obs.Status != 0 && (obs.Status < 100 || obs.Status > 599); outside && obs.ValidHTTP() {
			t.Fatalf("status %d outside 100 to 599 taken as valid HTTP", obs.Status)
		}
		if obs.ErrorKind == harness.ErrInvalidStatus && (obs.Status >= 100 && obs.Status <= 599 || obs.Status == 0) {
			t.Fatalf("error kind %q for status %d", obs.ErrorKind, obs.Status)
		}
	})
}
