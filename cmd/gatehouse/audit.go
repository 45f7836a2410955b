package main

import (
	"errors"
	"io"
)

func auditCommand(args []string, stdout, stderr io.Writer) error {
	return errors.New("gatehouse audit is not built yet")
}
