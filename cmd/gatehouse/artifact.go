package main

import (
	"errors"
	"io"
)

func artifactCommand(args []string, stdout, stderr io.Writer) error {
	return errors.New("gatehouse artifact is not built yet")
}
