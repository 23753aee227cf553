package qemu

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs every boot scenario at once unless -parallel is given:
// a guest mostly waits (for a timeout, a panic delay, a softdog margin), so
// five QEMUs on two cores finish in about half the time of two at a time.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", "5")
	}
	os.Exit(m.Run())
}
