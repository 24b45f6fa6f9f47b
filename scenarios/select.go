package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	gtypes "github.com/onsi/ginkgo/v2/types"
)

// Filter is what a run's --label-filter and --focus select. gatecrash
// applies it itself, before Ginkgo sees the scenarios, so that a run can
// tell, before it starts anything, that it selects nothing.
type Filter struct {
	labelText string
	labels    gtypes.LabelFilter
	focusText []string
	focus     []*regexp.Regexp
}

// NewFilter reads a label expression in Ginkgo's label syntax ("": any
// labels) and focus regular expressions (none: any name). A bad one is an
// error that names its flag.
func NewFilter(labelFilter string, focus []string) (*Filter, error) {
	f := &Filter{labelText: labelFilter, focusText: focus}
	var err error
	if f.labels, err = gtypes.ParseLabelFilter(labelFilter); err != nil {
		return nil, fmt.Errorf("--label-filter %q: expected a label expression such as 'dns && !slow': %s", labelFilter, labelFilterProblem(err))
	}
	for _, text := range focus {
		re, err := regexp.Compile(text)
		if err != nil {
			return nil, fmt.Errorf("--focus %q: expected a regular expression: %v", text, err)
		}
		f.focus = append(f.focus, re)
	}
	return f, nil
}

// labelFilterProblem is the reason in a Ginkgo label filter error, without
// the colour codes and the link Ginkgo's message carries for a terminal.
func labelFilterProblem(err error) string {
	var ge gtypes.GinkgoError
	if !errors.As(err, &ge) {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(ge.Message), "\n")
	return lines[len(lines)-1]
}

// Selects reports whether the filter selects scenario sc of suite s: its
// labels match the label expression (as Ginkgo matches them, ignoring
// case), and one of the focus expressions matches its name or
// "suite / name".
func (f *Filter) Selects(s *Suite, sc *Scenario) bool {
	labels := make([]string, len(sc.Labels))
	for i, l := range sc.Labels {
		labels[i] = strings.TrimSpace(l) // as ginkgo.Label keeps them
	}
	if !f.labels(labels) {
		return false
	}
	if len(f.focus) == 0 {
		return true
	}
	for _, re := range f.focus {
		if re.MatchString(sc.Name) || re.MatchString(s.Name+" / "+sc.Name) {
			return true
		}
	}
	return false
}

// Select marks the scenarios of suites, numbered by Number, that the
// filter leaves out (Scenario.Unselected: reported as skipped, never run),
// and keeps the part of the run that shard owns (the zero Slice: all of
// it; see Take).
//
// It is an error, naming the filters, when that part holds no selected
// scenario: a filter with a typo, or more shards than scenarios to deal,
// must not pass for a green run that tested nothing. A scenario with skip:
// is selected, and skipped with its reason.
func (f *Filter) Select(suites []*Suite, shard Slice) ([]*Suite, error) {
	total, selected := 0, 0
	for _, s := range suites {
		for i := range s.Scenarios {
			sc := &s.Scenarios[i]
			sc.Unselected = !f.Selects(s, sc)
			total++
			if !sc.Unselected {
				selected++
			}
		}
	}
	names, verb := f.names()
	in := files(suites)
	if selected == 0 {
		return nil, fmt.Errorf("%s %s none of the %s in %s%s", names, verb, plural(total, "scenario"), in, f.detail(suites))
	}
	part := Take(suites, shard)
	if Selected(part) > 0 {
		return part, nil
	}
	what := fmt.Sprintf("%s holds %s", in, plural(total, "scenario"))
	if len(suites) > 1 {
		what = fmt.Sprintf("%s hold %s", in, plural(total, "scenario"))
	}
	if names != "" {
		what = fmt.Sprintf("%s %s %d of the %s in %s", names, verb, selected, plural(total, "scenario"), in)
	}
	return nil, fmt.Errorf("--shard %d/%d selects no scenario: %s, fewer than the %d shards", shard.I, shard.N, what, shard.N)
}

// names names the filters as given, and the verb that follows them:
// `--focus "^orign"`, "selects".
func (f *Filter) names() (names, verb string) {
	var parts []string
	if f.labelText != "" {
		parts = append(parts, fmt.Sprintf("--label-filter %q", f.labelText))
	}
	var focus []string
	for _, text := range f.focusText {
		focus = append(focus, fmt.Sprintf("--focus %q", text))
	}
	if len(focus) > 0 {
		parts = append(parts, strings.Join(focus, " "))
	}
	if len(parts) > 1 {
		return strings.Join(parts, " and "), "select"
	}
	return strings.Join(parts, ""), "selects"
}

// detail says what each filter selects alone, when there are two, and how
// --focus is matched.
func (f *Filter) detail(suites []*Suite) string {
	var notes []string
	if f.labelText != "" && len(f.focus) > 0 {
		labelsOnly, focusOnly := &Filter{labels: f.labels}, &Filter{labels: func([]string) bool { return true }, focus: f.focus}
		notes = append(notes, fmt.Sprintf("--label-filter alone selects %d, --focus alone %d", labelsOnly.count(suites), focusOnly.count(suites)))
	}
	if len(f.focus) > 0 {
		notes = append(notes, `--focus is matched against each scenario's name and "suite / name"`)
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

func (f *Filter) count(suites []*Suite) int {
	n := 0
	for _, s := range suites {
		for i := range s.Scenarios {
			if f.Selects(s, &s.Scenarios[i]) {
				n++
			}
		}
	}
	return n
}

// Selected counts the scenarios of suites to run: those Select did not
// leave out.
func Selected(suites []*Suite) int {
	n := 0
	for _, s := range suites {
		for _, sc := range s.Scenarios {
			if !sc.Unselected {
				n++
			}
		}
	}
	return n
}

// files names the suite files: all of them up to three.
func files(suites []*Suite) string {
	if len(suites) > 3 {
		return fmt.Sprintf("%d suite files", len(suites))
	}
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.File
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
