package main

import (
	"errors"
	"io"
)

func accountCommand(args []string, stdout, stderr io.Writer) error {
	return errors.New("gatehouse account is not built yet")
}
