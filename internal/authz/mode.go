package authz

import (
	"fmt"
	"strings"
)

// Mode says what the authorizer does with a request the policies deny.
type Mode uint8

const (
	// On denies it: AccessDenied, as AWS does. The only mode a node
	// outside dev mode may run in.
	On Mode = iota
	// Soft lets it through but logs the denial and records it in the
	// call's trail event, so that a team can see what enforcement would
	// break before turning it on. Dev mode only.
	Soft
	// Off authorizes nothing: every authenticated request reaches its
	// handler, as moto and LocalStack behave. Dev mode only, and its
	// default there.
	Off
)

var modeNames = [...]string{On: "on", Soft: "soft", Off: "off"}

// String returns "on", "soft" or "off".
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", m)
}

// ParseMode reads a mode as String spells it (any case).
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if strings.EqualFold(s, n) {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("enforcement mode must be on, soft or off, not %q", s)
}

// ResolveMode returns the mode a node runs in: the requested one ("" for
// the default: off in dev mode, on otherwise), refusing soft and off
// outside dev mode, where every request must be authorized.
func ResolveMode(requested string, dev bool) (Mode, error) {
	if requested == "" {
		if dev {
			return Off, nil
		}
		return On, nil
	}
	m, err := ParseMode(requested)
	if err != nil {
		return 0, err
	}
	if m != On && !dev {
		return 0, fmt.Errorf("enforcement mode %q is only allowed in dev mode (--dev): a node outside dev mode authorizes every request", m)
	}
	return m, nil
}
