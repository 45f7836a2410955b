package main

import (
	"errors"
	"io"
)

func responsibilityCommand(args []string, stdout, stderr io.Writer) error {
	return errors.New("gatehouse responsibility is not built yet")
}
