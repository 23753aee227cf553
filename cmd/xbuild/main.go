// Command xbuild builds XLAPP, a Linux From Scratch based server OS, stage
// by stage in hermetic containers, caching each stage as a snapshot.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/sandbox/runc"
)

// Exit statuses; decided here and nowhere else.
const (
	exitOK        = 0
	exitFailed    = 1   // a failed build, check or verification
	exitUsage     = 2   // bad command line
	exitInterrupt = 130 // Ctrl-C
)

func main() {
	// libcontainer re-executes this binary as the container's init: that
	// must be handled before anything else runs.
	runc.Init()
	// libcontainer logs through logrus; only its errors are worth a user's eye.
	logrus.SetLevel(logrus.ErrorLevel)
	// Snapshots and restores stream; a soft limit keeps the garbage
	// collector from letting the heap drift past the 256 MB the store
	// promises on trees of any size.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(200 << 20)
		// Under that limit, collecting earlier only costs time: a small
		// snapshot spent a tenth of its CPU in page faults and collections
		// of a heap far below the limit.
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(-1)
		}
	}
	// The main goroutine stays locked to the main thread (sandbox/runc),
	// so the work runs on another goroutine: every wake-up of a goroutine
	// locked to a thread costs two thread switches, and the snapshot and
	// restore pipelines wake their caller often.
	code := make(chan int, 1)
	go func() { code <- run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) }()
	os.Exit(<-code)
}

// usageError marks errors that are the caller's command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// silentExit carries an exit status without a message (e.g. a shell's
// command exit status, or a check whose report was already printed).
type silentExit struct{ code int }

func (e *silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// command is one verb.
type command struct {
	name, args, short string
	flags             func(fs *pflag.FlagSet) // command-specific flags
	run               func(ctx context.Context, g *globals, args []string) error
}

func commands() []*command {
	return []*command{
		demoCmd(), checkCmd(), planCmd(), fetchCmd(), seedCmd(), stageCmd(), buildCmd(),
		restoreCmd(), shellCmd(), cacheCmd(), verifyCmd(), lockCmd(),
		configureCmd(), installCmd(), versionCmd(),
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := dispatch(ctx, args, stdin, stdout, stderr)
	return exitCode(ctx, err, stderr)
}

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var se *silentExit
	if errors.As(err, &se) {
		return se.code
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "xbuild: interrupted")
		return exitInterrupt
	}
	msg := strings.TrimSpace(err.Error())
	if errors.Is(err, syscall.ENOSPC) {
		msg += " (no space left on the device: free space, or point --store/--lfs at a bigger disk)"
	}
	var ce *cache.CorruptError
	if errors.As(err, &ce) {
		msg += " (run 'xbuild cache check --repair': it removes the damaged blobs and the snapshots that need them, and their stages rebuild)"
	}
	fmt.Fprintf(stderr, "xbuild: %s\n", msg)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, pflag.ErrHelp) {
		return exitUsage
	}
	return exitFailed
}

// findCommand returns the position of the command word: the first
// argument that is neither a global flag nor a global flag's separate
// value. Which flags take a value is read off their registration, so a new
// global flag cannot be mistaken for the command.
func findCommand(args []string) (int, string) {
	fs := pflag.NewFlagSet("xbuild", pflag.ContinueOnError)
	new(globals).register(fs)
	takesValue := func(a string) bool {
		var f *pflag.Flag
		switch {
		case strings.Contains(a, "="):
			return false
		case strings.HasPrefix(a, "--"):
			f = fs.Lookup(a[2:])
		case len(a) == 2:
			f = fs.ShorthandLookup(a[1:])
		}
		return f != nil && f.NoOptDefVal == ""
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return -1, ""
		}
		if strings.HasPrefix(a, "-") {
			if takesValue(a) {
				i++
			}
			continue
		}
		return i, a
	}
	return -1, ""
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	i, name := findCommand(args)
	if name == "" {
		for _, a := range args {
			if a == "-h" || a == "--help" {
				printUsage(stdout)
				return nil
			}
		}
		return usagef("no command given: see 'xbuild --help' for the commands")
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == name {
			cmd = c
		}
	}
	if cmd == nil {
		return usagef("unknown command %q: see 'xbuild --help'", name)
	}
	rest := append(append([]string{}, args[:i]...), args[i+1:]...)
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := pflag.NewFlagSet("xbuild "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(true)
	g.register(fs)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: xbuild %s %s\n  %s\n\nflags:\n%s", cmd.name, cmd.args, cmd.short, fs.FlagUsages())
			return nil
		}
		return usagef("%s: %v (see 'xbuild %s --help')", name, err, name)
	}
	g.fs = fs
	if err := g.finish(); err != nil {
		return err
	}
	return cmd.run(ctx, g, fs.Args())
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: xbuild [global flags] COMMAND [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %-28s %s\n", c.name, c.args, c.short)
	}
	fs := pflag.NewFlagSet("xbuild", pflag.ContinueOnError)
	(&globals{}).register(fs)
	fmt.Fprintf(w, "\nglobal flags (before or after the command):\n%s", fs.FlagUsages())
	fmt.Fprintln(w, "\nexit status: 0 success, 1 failed build or check, 2 bad usage, 130 interrupted")
}
