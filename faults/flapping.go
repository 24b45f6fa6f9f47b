package faults

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// Flapping takes the origin down (connects refused) and up again on a
// period, starting down, until the fault clears: a crash-looping origin, or
// one that a health check keeps taking out and putting back.
type Flapping struct {
	// Down is how long each outage lasts.
	Down time.Duration `yaml:"down" json:"down"`
	// Up is how long the origin answers between outages.
	Up time.Duration `yaml:"up" json:"up"`
}

func init() {
	Register(Definition{
		Name:    "flapping",
		Family:  FamilyOriginDown,
		Summary: "the origin goes down (connects refused) and up again on a period, starting down",
		Example: "{flapping: {down: 500ms, up: 1s}}",
		Options: Scheduled | Targeted,
		New:     func() Fault { return &Flapping{Down: 500 * time.Millisecond, Up: 500 * time.Millisecond} },
	})
}

// Validate wants both periods of at least 10ms: shorter ones are lost in
// the time it takes to stop and start listening.
func (f *Flapping) Validate() error {
	if f.Down < 10*time.Millisecond {
		return fmt.Errorf("down: expected a duration of at least 10ms; got %s", f.Down)
	}
	if f.Up < 10*time.Millisecond {
		return fmt.Errorf("up: expected a duration of at least 10ms; got %s", f.Up)
	}
	return nil
}

// Inject takes the origin down now and flips it from a goroutine that ends
// when the fault clears (or ctx ends); clearing leaves the origin up.
func (f *Flapping) Inject(ctx context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	stop, done := make(chan struct{}), make(chan struct{})
	var upErr error // the last failure to listen again, reported by Clear
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-stop:
		case <-ctx.Done():
		}
		return false
	}
	hit := inRange(env, opts)
	down := func() {
		for _, n := range hit {
			env.Proxies[n-1].Down()
		}
	}
	up := func() error {
		var errs []error
		for _, n := range hit {
			errs = append(errs, env.Proxies[n-1].Up())
		}
		return errors.Join(errs...)
	}
	down()
	go func() {
		defer close(done)
		for wait(f.Down) {
			if err := up(); err != nil {
				upErr = err
			}
			if !wait(f.Up) {
				return
			}
			down()
		}
	}()
	var once sync.Once
	var clearErr error
	return Injection{Clear: func() error {
		once.Do(func() {
			close(stop)
			<-done
			clearErr = errors.Join(upErr, up())
		})
		return clearErr
	}, Method: targetsText(env, hit)}, nil
}
