package bench

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Shape counts what Generate wrote.
type Shape struct {
	Dirs, Files, Symlinks, Hardlinks int
	Small                            int   // regular files under 16 KiB
	Bytes                            int64 // content bytes of regular files (each inode once)
}

func (s Shape) String() string {
	pct := 0
	if s.Files > 0 {
		pct = 100 * s.Small / s.Files
	}
	return fmt.Sprintf("%d entries (%d files, %d%% under 16 KiB, %d symlinks, %d hardlinks, %d dirs), %.0f MB",
		s.Dirs+s.Files+s.Symlinks+s.Hardlinks, s.Files, pct, s.Symlinks, s.Hardlinks, s.Dirs, float64(s.Bytes)/1e6)
}

// content makes file contents that compress about as well as a build
// tree's: 60% text made of words, 40% binary-like words that are often
// mostly zero, as in object files.
type content struct {
	r     *rand.Rand
	words [][]byte
	buf   []byte
}

func newContent(seed uint64) *content {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	words := make([][]byte, 8192)
	for i := range words {
		w := make([]byte, 2+r.IntN(10))
		for j := range w {
			w[j] = "etaoinshrdlcumwfgypbvkjxqz_ETAOINSHRD0123456789"[r.IntN(46)]
		}
		words[i] = w
	}
	return &content{r: r, words: words, buf: make([]byte, 0, 1<<20)}
}

func (c *content) make(size int) []byte {
	b := c.buf[:0]
	if c.r.IntN(10) < 6 {
		for len(b) < size {
			b = append(b, c.words[c.r.IntN(len(c.words))]...)
			b = append(b, " \n,;()=."[c.r.IntN(8)])
		}
	} else {
		for len(b) < size {
			v := c.r.Uint64()
			switch v & 3 {
			case 0, 1:
				v &= 0xff
			case 2:
				v &= 0xffffffff
			}
			b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
		}
	}
	c.buf = b
	return b[:size]
}

// drawSize draws from the size mix of a build tree: 84% of files under
// 16 KiB, 15% up to 256 KiB, 1% up to 4 MiB, each log-uniform; a few
// empty files. The mean is about 30 KB.
func drawSize(r *rand.Rand) int {
	logUniform := func(lo, hi float64) int {
		return int(lo * math.Pow(hi/lo, r.Float64()))
	}
	switch k := r.IntN(1000); {
	case k < 5:
		return 0
	case k < 840:
		return logUniform(32, 16<<10)
	case k < 990:
		return logUniform(16<<10, 256<<10)
	default:
		return logUniform(256<<10, 4<<20)
	}
}

// Generate writes a synthetic build-output-like tree of about totalBytes
// of file content into dir, which must exist and be empty: nested
// directories (about 12 entries each), the size mix of drawSize, symlinks
// (4% of entries, some dangling, some to directories), hardlinks (1%) and
// executable files. The same seed gives the same tree.
func Generate(ctx context.Context, dir string, totalBytes int64, seed uint64) (Shape, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	c := newContent(seed + 1)
	var sh Shape
	dirs := []string{dir}
	var files []string
	for n := 0; sh.Bytes < totalBytes; n++ {
		if n%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return sh, err
			}
		}
		if n%12 == 0 {
			// new directory, mostly under a recent one: depth grows
			// slowly as in /usr/lib/x/y/z
			parent := dirs[max(0, len(dirs)-1-r.IntN(min(len(dirs), 8)))]
			if r.IntN(4) == 0 {
				parent = dirs[r.IntN(len(dirs))]
			}
			d := filepath.Join(parent, "d"+strconv.Itoa(len(dirs)))
			if err := os.Mkdir(d, 0o755); err != nil {
				return sh, fmt.Errorf("generate: %w", err)
			}
			dirs = append(dirs, d)
			sh.Dirs++
		}
		parent := dirs[len(dirs)-1-r.IntN(min(len(dirs), 4))]
		name := filepath.Join(parent, "f"+strconv.Itoa(n)+[]string{".c", ".h", ".o", ".so", "", ".py", ".txt"}[r.IntN(7)])
		switch k := r.IntN(100); {
		case k < 4 && len(files) > 0:
			target, err := filepath.Rel(parent, files[r.IntN(len(files))])
			if err != nil {
				return sh, fmt.Errorf("generate: %w", err)
			}
			switch r.IntN(10) {
			case 0:
				target = "missing/" + target
			case 1:
				target = ".."
			}
			if err := os.Symlink(target, name); err != nil {
				return sh, fmt.Errorf("generate: %w", err)
			}
			sh.Symlinks++
			continue
		case k < 5 && len(files) > 0:
			if err := os.Link(files[r.IntN(len(files))], name); err != nil {
				return sh, fmt.Errorf("generate: %w", err)
			}
			sh.Hardlinks++
			continue
		}
		size := drawSize(r)
		mode := os.FileMode(0o644)
		if r.IntN(10) == 0 {
			mode = 0o755
		}
		if err := os.WriteFile(name, c.make(size), mode); err != nil {
			return sh, fmt.Errorf("generate: %w", err)
		}
		files = append(files, name)
		sh.Files++
		if size < 16<<10 {
			sh.Small++
		}
		sh.Bytes += int64(size)
	}
	return sh, nil
}

// Mutate rewrites the regular files of dir whose position in walk order
// is congruent to phase modulo every (every=20 changes 5% of the files)
// with new contents of the same size, as a build step that regenerates
// some outputs would: the old contents with a few bytes changed in every
// 4 KiB, so a changed file compresses as it did, on a copied real tree as
// on a generated one. Different phases change disjoint sets of files. It
// returns the number of files and bytes changed.
func Mutate(ctx context.Context, dir string, every, phase int, seed uint64) (files int, bytes int64, err error) {
	r := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	i := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		i++
		if (i-1)%every != phase {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for k := 0; k < max(1, len(data)/4096); k++ {
			at := r.IntN(max(1, len(data)))
			for j := at; j < min(at+8, len(data)); j++ {
				data[j] ^= byte(1 + r.IntN(255)) // never 0: the byte changes
			}
		}
		if fi.Size() == 0 {
			data = []byte("now not empty\n")
		}
		// O_TRUNC keeps the inode (and any hardlinks to it), as a
		// build tool rewriting an output in place does
		if err := os.WriteFile(p, data, fi.Mode().Perm()); err != nil {
			return err
		}
		files++
		bytes += int64(len(data))
		return nil
	})
	if err != nil {
		return files, bytes, fmt.Errorf("mutate %s: %w", dir, err)
	}
	return files, bytes, nil
}
