package main

import (
	"context"
	"errors"
)

var errPending = errors.New("this command is not wired up in this build yet")

func configureCmd() *command {
	return &command{name: "configure", short: "answer the machine questionnaire into machine.config",
		run: func(ctx context.Context, g *globals, args []string) error { return errPending }}
}

func installCmd() *command {
	return &command{name: "install", args: "--device DEV | --target DIR", short: "install the system onto a partition with trial boot entries",
		run: func(ctx context.Context, g *globals, args []string) error { return errPending }}
}
