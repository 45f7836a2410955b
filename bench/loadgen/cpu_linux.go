package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; Linux fixes it
// at 100 on every architecture it exports to user space.
const clockTicks = 100

// ProcessCPU returns the user plus system CPU time that process pid (all
// its threads) has used so far, read from /proc. The harness samples it for
// the server and for itself at both ends of the measurement window, to show
// how the two shared cores were split between load generator and server.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields resume after
	// its closing parenthesis, with state as field 3.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// utime and stime are fields 14 and 15: indexes 11 and 12 after state.
	utime, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// MachineCPU returns the CPU time all cores of the machine have spent busy
// (neither idle nor waiting for I/O) since boot, read from /proc/stat. The
// harness samples it over the measurement window: what the machine spent
// beyond the server and the load generator is foreign load (a build, another
// benchmark) that makes the figures of that run unreliable.
func MachineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	f := bytes.Fields(line)
	if len(f) < 6 || string(f[0]) != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected format")
	}
	var busy uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: unexpected format")
		}
		// Fields: user nice system idle iowait irq softirq steal guest
		// guest_nice. Guest time is already counted in user and nice.
		switch i {
		case 3, 4, 8, 9:
		default:
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks, nil
}
