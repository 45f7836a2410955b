package serverproc

import "syscall"

// sysProcAttr puts the child in its own process group, so Stop reaches any
// process it forks, and asks the kernel to SIGKILL it if the harness dies
// without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
