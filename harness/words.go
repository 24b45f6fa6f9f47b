package harness

import (
	"fmt"
	"strings"
)

// Plural is n and its unit in words, the unit in the plural unless n is 1:
// "1 attempt", "0 attempts", "3 DNS queries". A unit ending in a
// consonant and y takes -ies; every other one takes -s. Every count that
// gatecrash writes for a person (console lines, reports, failure
// messages) goes through it, so none reads "1 requests".
func Plural[N ~int | ~int64](n N, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	if stem, ok := strings.CutSuffix(unit, "y"); ok && stem != "" && !strings.ContainsAny(stem[len(stem)-1:], "aeiou") {
		return fmt.Sprintf("%d %sies", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// wasWere is the verb "was" or "were" for n things.
func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
