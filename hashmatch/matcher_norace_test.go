//go:build !race

package hashmatch

const raceEnabled = false
