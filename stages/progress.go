package stages

import (
	"time"

	"github.com/opencontainers/go-digest"
)

// EventKind says what happened.
type EventKind string

const (
	StageCached   EventKind = "stage-cached"   // the stage's result is in the cache
	StageStart    EventKind = "stage-start"    // building the stage begins
	StageDone     EventKind = "stage-done"     // the stage is built and snapshotted
	Restoring     EventKind = "restore"        // a snapshot is being restored into the LFS tree
	PackageCached EventKind = "package-cached" // resuming after a cached package step
	PackageStart  EventKind = "package-start"
	PackageAlive  EventKind = "package-alive" // a long package is still running
	PackageDone   EventKind = "package-done"
	PackageFailed EventKind = "package-failed"
	Snapshotting  EventKind = "snapshot"
	Timings       EventKind = "timings"
)

// Event is one progress report. Fields not relevant to a kind are zero.
type Event struct {
	Kind     EventKind     `json:"event"`
	Stage    string        `json:"stage,omitempty"`
	Package  string        `json:"package,omitempty"`
	Index    int           `json:"index,omitempty"` // 1-based package number
	Total    int           `json:"total,omitempty"` // packages in the stage
	Elapsed  time.Duration `json:"elapsed_ns,omitempty"`
	Key      digest.Digest `json:"key,omitempty"`
	Snapshot digest.Digest `json:"snapshot,omitempty"`
	Log      string        `json:"log,omitempty"`
	LastLine string        `json:"last_line,omitempty"`
	Table    []Timing      `json:"timings,omitempty"`
	Msg      string        `json:"msg,omitempty"`
}

// Timing is one row of a stage's timing table.
type Timing struct {
	Package string  `json:"package"`
	Seconds float64 `json:"seconds"`
	SBU     float64 `json:"sbu"`
	Cached  bool    `json:"cached,omitempty"`
}

// Reporter receives progress. Libraries never print: the CLI decides how
// an event looks. Report must not block for long.
type Reporter interface {
	Report(Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Report calls f(e).
func (f ReporterFunc) Report(e Event) { f(e) }

type nopReporter struct{}

func (nopReporter) Report(Event) {}
