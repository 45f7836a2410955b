//go:build unix && !linux

package serverproc

import "syscall"

// sysProcAttr puts the child in its own process group, so Stop reaches any
// process it forks.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
