package harness

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestPendingPooledConnection: a keep-alive connection still finishing an
// answer when a fault starts (its client may already have the answer) is
// closed as it goes idle, and a request waits for that, then for the pool
// to settle; one that never goes idle holds a request up to pendingWait.
func TestPendingPooledConnection(t *testing.T) {
	o, err := StartOrigin("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	env := &Environment{Origins: []*Origin{o}}
	busy, peer := net.Pipe()
	defer peer.Close()
	o.connState(busy, http.StateNew)
	o.connState(busy, http.StateActive)
	o.SetBehavior(func(context.Context, net.Conn, *Origin) {})

	if _, pending := o.settled(); !pending {
		t.Fatal("the busy connection is not pending when the fault starts")
	}
	went := make(chan time.Time, 1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		went <- time.Now()
		o.connState(busy, http.StateIdle)
	}()
	start := time.Now()
	env.awaitPoolSettled(context.Background())
	idle := <-went
	if waited := time.Since(idle); waited < poolSettle-5*time.Millisecond {
		t.Errorf("the request went %s after the connection went idle; want the pool settle of %s after it", waited, poolSettle)
	}
	if _, err := peer.Write([]byte("x")); err == nil {
		t.Error("the busy connection was not closed as it went idle")
	}
	if _, pending := o.settled(); pending {
		t.Error("still pending after it closed")
	}
	if took := time.Since(start); took > pendingWait+poolSettle+2*time.Second {
		t.Errorf("waited %s", took)
	}

	// One that stays busy holds a request only up to pendingWait.
	stuck, stuckPeer := net.Pipe()
	defer stuckPeer.Close()
	o.SetBehavior(nil)
	o.connState(stuck, http.StateNew)
	o.connState(stuck, http.StateActive)
	o.SetBehavior(func(context.Context, net.Conn, *Origin) {})
	start = time.Now()
	env.awaitPoolSettled(context.Background())
	if took := time.Since(start); took < pendingWait || took > pendingWait+2*time.Second {
		t.Errorf("a connection that stays busy held the request %s; want about %s", took, pendingWait)
	}
	// Clearing the fault forgets it.
	o.SetBehavior(nil)
	if _, pending := o.settled(); pending {
		t.Error("still pending once the fault cleared")
	}
}
