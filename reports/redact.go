package reports

import (
	"cmp"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// SecretHeaders are the headers whose values never reach a report, sent or
// received: credentials and session cookies. WWW-Authenticate and
// Proxy-Authenticate are not among them: a challenge is what a server tells
// anyone who asks.
var SecretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token"}

// Redacted is what a secret value becomes in reports.
const Redacted = "[redacted]"

// minSecret is the shortest value searched for in a report's text: a
// shorter one ("1") would garble every number. In header maps a secret
// header's value is replaced whatever its length.
const minSecret = 4

// IsSecretHeader reports whether name (any case) is one of SecretHeaders.
func IsSecretHeader(name string) bool {
	for _, s := range SecretHeaders {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// redactHeader returns h with the values of secret headers replaced; h
// itself is not changed.
func redactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for name, vs := range out {
		if IsSecretHeader(name) {
			for i := range vs {
				vs[i] = Redacted
			}
		}
	}
	return out
}

// redactMap is redactHeader for a suite's header map.
func redactMap(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
		if IsSecretHeader(k) {
			out[k] = Redacted
		}
	}
	return out
}

// Request is the request a scenario sent, as reports show it.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	// BodyBytes is the request body's size; the body itself is not kept.
	BodyBytes int `json:"body_bytes,omitempty"`
}

// NewRequest describes a request for reports, secret headers redacted.
func NewRequest(method, path string, headers map[string]string, body string) *Request {
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/"
	}
	return &Request{Method: method, Path: path, Headers: redactMap(headers), BodyBytes: len(body)}
}

// Secret adds the value of a secret header (name is one of SecretHeaders)
// to what Redact removes from the scenario's text: the value whole, and
// the parts of it that are the secret on their own, an Authorization's
// credentials without the scheme, each cookie's value. Values of other
// headers are ignored.
func (s *Scenario) Secret(name, value string) {
	if !IsSecretHeader(name) {
		return
	}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) >= minSecret && !slices.Contains(s.secrets, v) {
			s.secrets = append(s.secrets, v)
		}
	}
	add(value)
	switch {
	case strings.EqualFold(name, "Cookie"), strings.EqualFold(name, "Set-Cookie"):
		pairs := strings.Split(value, ";")
		if strings.EqualFold(name, "Set-Cookie") {
			pairs = pairs[:1] // the attributes (Path, Expires) are no secret
		}
		for _, pair := range pairs {
			add(pair)
			if _, v, ok := strings.Cut(pair, "="); ok {
				add(strings.Trim(strings.TrimSpace(v), `"`))
			}
		}
	default:
		if _, credentials, ok := strings.Cut(strings.TrimSpace(value), " "); ok {
			add(credentials)
		}
	}
}

// SecretHeader adds the values of h's secret headers, as Secret.
func (s *Scenario) SecretHeader(h http.Header) {
	for name, vs := range h {
		for _, v := range vs {
			s.Secret(name, v)
		}
	}
}

// Redact makes the scenario fit for every output: the values of secret
// headers in its recorded requests and answers are replaced, and every
// secret value it was told of (Secret) or received in an answer it keeps
// is replaced wherever it appears in its text: the expectations, the
// checks, the failure, the observations, the gateway's log. Every report,
// console line and annotation is made from the redacted record. The
// observations themselves are not changed: the record gets copies.
func (s *Scenario) Redact() {
	for _, o := range []*harness.Observation{s.Steady, s.Observed} {
		if o != nil {
			s.SecretHeader(o.Header)
		}
	}
	// The longest first: a whole value before a part of it.
	secrets := slices.Clone(s.secrets)
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	var pairs []string
	for _, v := range secrets {
		pairs = append(pairs, v, Redacted)
		// As %q writes it (a check's observed header value).
		if q := strconv.Quote(v); q[1:len(q)-1] != v {
			pairs = append(pairs, q[1:len(q)-1], Redacted)
		}
	}
	if len(pairs) > 0 {
		scrub(reflect.ValueOf(s).Elem(), strings.NewReplacer(pairs...))
	}
	for _, o := range []**harness.Observation{&s.Steady, &s.Observed} {
		if *o != nil {
			(*o).Header = redactHeader((*o).Header)
		}
	}
}

// Text is text with the scenario's secrets (as Redact finds them)
// replaced, for a message made before the record is redacted.
func (s *Scenario) Text(text string) string {
	c := &Scenario{secrets: s.secrets, Failure: text, Steady: s.Steady, Observed: s.Observed}
	c.Redact()
	return c.Failure
}

// scrub replaces, through r, the secrets in every exported string and byte
// slice reachable from v, which must be settable. What v points to is
// copied first, so that nothing shared with the caller is changed.
func scrub(v reflect.Value, r *strings.Replacer) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); s != "" {
			v.SetString(r.Replace(s))
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(v.Elem())
		scrub(c.Elem(), r)
		v.Set(c)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		scrub(c, r)
		v.Set(c)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scrub(v.Field(i), r)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(r.Replace(string(v.Bytes()))))
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			scrub(c.Index(i), r)
		}
		v.Set(c)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		// A string key is text too (a load's error counts are keyed by
		// the error): keys that differ only in a secret become one, their
		// counts added.
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			if k.Kind() == reflect.String {
				k = reflect.ValueOf(r.Replace(k.String())).Convert(k.Type())
			}
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			scrub(e, r)
			if was := c.MapIndex(k); was.IsValid() {
				if !e.CanInt() {
					continue
				}
				e.SetInt(e.Int() + was.Int())
			}
			c.SetMapIndex(k, e)
		}
		v.Set(c)
	}
}
