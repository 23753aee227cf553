package main

import (
	"strings"
	"testing"

	"github.com/xlapp/xbuild/stages"
)

func TestTimingTable(t *testing.T) {
	tests := []struct {
		name string
		in   []stages.Timing
		want []string // substrings, in order
		not  []string
	}{
		{"all known", []stages.Timing{{Package: "binutils", Seconds: 90, SBU: 1}, {Package: "gcc", Seconds: 270, SBU: 3, Cached: true}},
			[]string{"binutils", "90.0", "1.00", "gcc", "270.0", "3.00 (cached)", "total", "360.0"}, []string{"unknown", "?"}},
		{"cached without a time", []stages.Timing{{Package: "binutils", Cached: true}, {Package: "glibc", Seconds: 400}},
			[]string{"binutils", "?", "(cached)", "glibc", "400.0", "-", "total", "400.0 (+ packages of unknown time)"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := timingTable("s", tc.in)
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("table lacks %q after the earlier parts:\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("table has %q:\n%s", n, got)
				}
			}
		})
	}
}
