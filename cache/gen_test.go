package cache

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// genTree writes a synthetic build-output-like tree of about totalBytes
// under dir: nested directories, a file size mix where 84% of files are
// under 16 KiB, text-like and binary-like contents that compress about as
// well as real ones, plus symlinks (5%) and hard links (1%). The same seed
// gives the same tree. It returns the number of entries.
func genTree(tb testing.TB, dir string, totalBytes int64, seed uint64) int {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	words := make([][]byte, 4096)
	for i := range words {
		w := make([]byte, 2+r.IntN(9))
		for j := range w {
			w[j] = "etaoinshrdlcumwfgypbvkjxqz_"[r.IntN(27)]
		}
		words[i] = w
	}
	var files []string
	var dirs []string
	entries := 0
	var written int64
	buf := make([]byte, 0, 8<<20)
	for n := 0; written < totalBytes; n++ {
		if n%40 == 0 {
			d := dir
			if len(dirs) > 0 && r.IntN(3) > 0 {
				d = dirs[r.IntN(len(dirs))]
			}
			d = filepath.Join(d, "d"+strconv.Itoa(len(dirs)))
			must(tb, "mkdir", os.Mkdir(d, 0o755))
			dirs = append(dirs, d)
			entries++
		}
		parent := dirs[len(dirs)-1-r.IntN(min(len(dirs), 3))]
		name := filepath.Join(parent, fmt.Sprintf("f%d.%s", n, []string{"c", "h", "o", "so", "txt", "py"}[r.IntN(6)]))
		switch k := r.IntN(100); {
		case k < 5 && len(files) > 0:
			must(tb, "symlink", os.Symlink(files[r.IntN(len(files))], name))
			entries++
			continue
		case k < 6 && len(files) > 0:
			must(tb, "link", os.Link(files[r.IntN(len(files))], name))
			entries++
			continue
		}
		var size int
		switch k := r.IntN(100); {
		case k < 84:
			size = 64 + r.IntN(16<<10-64)
		case k < 99:
			size = 16<<10 + r.IntN(240<<10)
		default:
			size = 256<<10 + r.IntN(8<<20)
		}
		buf = buf[:0]
		if r.IntN(10) < 6 {
			for len(buf) < size {
				buf = append(buf, words[r.IntN(len(words))]...)
				buf = append(buf, " \n,;()"[r.IntN(6)])
			}
		} else {
			for len(buf) < size {
				v := r.Uint32()
				if v&1 == 0 {
					v &= 0xff
				}
				buf = append(buf, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
			}
		}
		buf = buf[:size]
		must(tb, "write", os.WriteFile(name, buf, 0o644))
		files = append(files, name)
		entries++
		written += int64(size)
	}
	return entries
}
