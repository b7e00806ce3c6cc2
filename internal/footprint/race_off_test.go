//go:build !race

package footprint

const raceEnabled = false
