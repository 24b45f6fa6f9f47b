package faults

import (
	"encoding/json"
	"unicode/utf8"
)

// Bytes is a parameter the origin puts on the wire as it is, byte for byte:
// a body, a header line, an answer that is not HTTP. A suite writes it as
// text (YAML escapes such as "\r\n" and "\x01" included), or, for bytes
// that are not UTF-8 text, as base64 under YAML's binary tag:
// `bytes: !!binary U1NILTIuMA0K//4=`, which the loader decodes to the raw
// bytes. Only Bytes parameters take !!binary.
//
// In JSON (a report's params, `gatecrash faults --json`) bytes that are
// valid UTF-8 are a string, as a suite writes them, and other bytes are
// {"binary": "<base64>"}: a JSON string holds only text, and encoding/json
// would turn each invalid byte into U+FFFD, reporting bytes the origin
// never sent.
type Bytes string

// MarshalJSON writes valid UTF-8 as a JSON string and any other bytes as
// {"binary": "<standard base64>"}.
func (b Bytes) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(b)) {
		return json.Marshal(string(b))
	}
	return json.Marshal(struct {
		Binary []byte `json:"binary"`
	}{[]byte(b)})
}
