package main

import (
	"os"
	"runtime"
	"testing"
)

// TestTuneProcs checks the server's processor count: at least minProcs
// when the runtime's default is one per core, left alone when GOMAXPROCS
// is set or a CPU quota lowered the default below the core count.
func TestTuneProcs(t *testing.T) {
	saved := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(saved) })
	env, hadEnv := os.LookupEnv("GOMAXPROCS")
	t.Cleanup(func() {
		if hadEnv {
			os.Setenv("GOMAXPROCS", env)
		} else {
			os.Unsetenv("GOMAXPROCS")
		}
	})

	os.Setenv("GOMAXPROCS", "1")
	runtime.GOMAXPROCS(1)
	tuneProcs()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("with GOMAXPROCS=1 set, tuneProcs changed the processors to %d", got)
	}

	os.Unsetenv("GOMAXPROCS")
	cores := runtime.NumCPU()
	runtime.GOMAXPROCS(cores)
	tuneProcs()
	if got, want := runtime.GOMAXPROCS(0), max(cores, minProcs); got != want {
		t.Errorf("one processor per core (%d cores): tuneProcs left %d processors, want %d", cores, got, want)
	}

	if cores > 1 {
		// A default below the core count is a CPU quota's doing.
		runtime.GOMAXPROCS(cores - 1)
		tuneProcs()
		if got := runtime.GOMAXPROCS(0); got != cores-1 {
			t.Errorf("under a quota of %d processors, tuneProcs changed them to %d", cores-1, got)
		}
	}
}
