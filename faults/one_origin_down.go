package faults

import (
	"context"
	"fmt"

	"github.com/gatecrash/gatecrash/harness"
)

// OneOriginDown takes one of several origin instances down (connects
// refused) while the others keep serving: a gateway balancing over them
// should move on to the next and answer 200. It needs origin.instances.
type OneOriginDown struct {
	// Instance is which origin goes down, counted from 1.
	Instance int `yaml:"instance" json:"instance"`
}

func init() {
	Register(Definition{
		Name:    "one_origin_down",
		Family:  FamilyOriginDown,
		Summary: "one of several origin instances is down (connects refused), the others serve",
		Example: "{one_origin_down: {instance: 2}}",
		Options: Scheduled,
		Needs:   Needs{Instances: 2},
		New:     func() Fault { return &OneOriginDown{Instance: 1} },
	})
}

// Validate wants an instance number from 1.
func (f *OneOriginDown) Validate() error {
	if f.Instance < 1 {
		return fmt.Errorf("instance: expected an origin instance counted from 1; got %d", f.Instance)
	}
	return nil
}

// CheckSuite checks that the suite has the instance.
func (f *OneOriginDown) CheckSuite(s SuiteFacts) error {
	if f.Instance > s.Instances {
		return fmt.Errorf("instance: expected an origin instance from 1 to %d (origin.instances); got %d", s.Instances, f.Instance)
	}
	return nil
}

// Inject stops the listener of the instance's proxy.
func (f *OneOriginDown) Inject(_ context.Context, env *harness.Environment, _ Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	if f.Instance > len(env.Proxies) {
		return Injection{}, fmt.Errorf("instance: expected an origin instance from 1 to %d (origin.instances); got %d", len(env.Proxies), f.Instance)
	}
	p := env.Proxies[f.Instance-1]
	p.Down()
	return Injection{Clear: p.Up, Method: fmt.Sprintf("instance %d of %d down", f.Instance, len(env.Proxies))}, nil
}
