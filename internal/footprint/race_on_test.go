//go:build race

package footprint

// raceEnabled: the footprint test runs once, in the run without -race.
const raceEnabled = true
