// Command doorsync keeps door terminals' validity equal to Cardskipper's.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/doorsync/doorsync/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.NewApp().Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
