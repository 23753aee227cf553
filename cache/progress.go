package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// progress counts files and bytes done and reports them to a callback at
// most every 100 ms (and always at the end), for snapshots and restores.
type progress struct {
	files, bytes atomic.Int64
	fn           func(files, bytes int64)
	mu           sync.Mutex
	last         time.Time
}

func (p *progress) report(final bool) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !final && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.fn(p.files.Load(), p.bytes.Load())
}
