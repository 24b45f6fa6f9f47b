package faults

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// ShortBody makes the origin answer a 200 whose Content-Length promises
// more than it sends, then close: the body a gateway relays is truncated.
type ShortBody struct {
	// Declared is the Content-Length the origin announces.
	Declared int `yaml:"declared" json:"declared"`
	// Sent is how many body bytes it sends before closing.
	Sent int `yaml:"sent" json:"sent"`
}

// maxShortBody bounds what the origin builds and sends.
const maxShortBody = 16 << 20

func init() {
	Register(Definition{
		Name:    "short_body",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 with a Content-Length longer than the body it sends, then closes",
		Example: "{short_body: {declared: 1000, sent: 0}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ShortBody{Declared: 100, Sent: 10} },
	})
}

// Validate rejects a body that is not short.
func (f *ShortBody) Validate() error {
	if f.Declared < 1 || f.Declared > maxShortBody {
		return fmt.Errorf("declared: expected a Content-Length from 1 to %d; got %d", maxShortBody, f.Declared)
	}
	if f.Sent < 0 || f.Sent >= f.Declared {
		return fmt.Errorf("sent: expected fewer bytes than declared (%d), from 0; got %d", f.Declared, f.Sent)
	}
	return nil
}

// Inject makes the origin answer every request with the short body.
func (f *ShortBody) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	head := statusOK + "Content-Type: text/plain\r\nContent-Length: " + strconv.Itoa(f.Declared) + "\r\n\r\n"
	return respond(env, opts, []byte(head+digitFiller(f.Sent))), nil
}
