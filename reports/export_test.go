package reports

import "reflect"

// JSONScenarioType is the type the JSON report writes a scenario as, for
// the README's test of its keys.
var JSONScenarioType = reflect.TypeFor[jsonScenario]()
