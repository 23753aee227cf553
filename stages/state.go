package stages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// stageRecord is what the engine remembers of the last successful build of
// a stage, so that plan can say why a stage is no longer cached.
type stageRecord struct {
	Stage    string          `json:"stage"`
	Key      digest.Digest   `json:"key"`
	Snapshot digest.Digest   `json:"snapshot"`
	Steps    []stepRecord    `json:"steps"`
	Built    time.Time       `json:"built"`
	Timings  []Timing        `json:"timings,omitempty"`
	Extra    json.RawMessage `json:"extra,omitempty"`
}

type stepRecord struct {
	Package string        `json:"package"`
	Key     digest.Digest `json:"key"`
	Encoded string        `json:"encoded"`
	Seconds float64       `json:"seconds,omitempty"`
}

// lfsRecord remembers which snapshot the LFS directory was left holding.
type lfsRecord struct {
	Path     string        `json:"path"`
	Snapshot digest.Digest `json:"snapshot"`
	// Dirty is set while a package runs: the tree is then between snapshots.
	Dirty bool `json:"dirty"`
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// writeJSON replaces path atomically: temp file, fsync, rename.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func (e *Engine) stageRecordPath(stage string) string {
	return filepath.Join(e.StoreDir, "state", "stages", e.M.Name, stage+".json")
}

// partialRecordPath holds the steps of a stage that has not finished yet;
// only LiveSteps reads it.
func (e *Engine) partialRecordPath(stage string) string {
	return filepath.Join(e.StoreDir, "state", "stages", e.M.Name, stage+".partial.json")
}

func (e *Engine) loadStageRecord(stage string) (*stageRecord, error) {
	var r stageRecord
	err := readJSON(e.stageRecordPath(stage), &r)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (e *Engine) lfsRecordPath() string {
	return filepath.Join(e.StoreDir, "state", "lfs.json")
}

func (e *Engine) loadLFSRecords() map[string]lfsRecord {
	recs := map[string]lfsRecord{}
	_ = readJSON(e.lfsRecordPath(), &recs)
	return recs
}

func (e *Engine) setLFSRecord(r lfsRecord) error {
	if e.Scratch {
		return nil // a throw-away tree is not worth remembering
	}
	recs := e.loadLFSRecords()
	recs[r.Path] = r
	return writeJSON(e.lfsRecordPath(), recs)
}

// LiveSteps returns the step refs that a garbage collection must keep: the
// steps of every stage's last successful build and of every unfinished
// stage's good packages (of every manifest this store has built), and every
// cached step of the current manifest's plan, so that a failed stage can
// still resume after its last good package whatever manifest gc runs with.
func (e *Engine) LiveSteps(ctx context.Context) (map[string]bool, error) {
	live := map[string]bool{}
	recs, _ := filepath.Glob(filepath.Join(e.StoreDir, "state", "stages", "*", "*.json"))
	for _, p := range recs {
		var r stageRecord
		if err := readJSON(p, &r); err != nil {
			return nil, err
		}
		for _, s := range r.Steps {
			live[stepRef(s.Key)] = true
		}
	}
	plans, err := e.Plan(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		for _, pk := range p.Packages {
			if pk.Cached {
				live[stepRef(pk.Key)] = true
			}
		}
	}
	return live, nil
}

// IsStepRef tells step refs (which LiveSteps decides about) from other refs
// (seeds), which a collection always keeps.
func IsStepRef(name string) bool { return strings.HasPrefix(name, "step/") }

// step times: what each package step took when it was built, by step key
// (and the latest by package name, "package:NAME", for the SBU unit).
func (e *Engine) stepTimesPath() string {
	return filepath.Join(e.StoreDir, "state", "times", e.M.Name+".json")
}

func (e *Engine) loadStepTimes() map[string]float64 {
	t := map[string]float64{}
	_ = readJSON(e.stepTimesPath(), &t)
	return t
}

// saveStepTime records a step's build time; the table is informational,
// so a failure to write it does not fail the build.
func (e *Engine) saveStepTime(key digest.Digest, pkg string, secs float64) {
	t := e.loadStepTimes()
	t[key.String()] = secs
	t["package:"+pkg] = secs
	_ = writeJSON(e.stepTimesPath(), t)
}
