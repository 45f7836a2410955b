//go:build !linux

package loadgen

import (
	"errors"
	"time"
)

// ProcessCPU reports the CPU time of process pid; it is only implemented on
// Linux, the platform the benchmarks run on.
func ProcessCPU(pid int) (time.Duration, error) {
	return 0, errors.New("loadgen: process CPU time is only available on linux")
}

// MachineCPU reports the busy CPU time of the whole machine; it is only
// implemented on Linux.
func MachineCPU() (time.Duration, error) {
	return 0, errors.New("loadgen: machine CPU time is only available on linux")
}
