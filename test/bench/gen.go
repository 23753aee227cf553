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

// kind is what a directory's files hold; files of a kind cluster in
// directories, as ELF objects do in lib/ and text in share/.
type kind int

const (
	textKind   kind = iota // source, headers, scripts, docs
	binaryKind             // object code
	packedKind             // already compressed (.gz, .png): incompressible
)

// drawKind draws a directory's kind: 40% text, 56% binary, 4% packed.
func drawKind(r *rand.Rand) kind {
	switch k := r.IntN(100); {
	case k < 40:
		return textKind
	case k < 96:
		return binaryKind
	default:
		return packedKind
	}
}

// content makes file contents that compress as a copy of /usr does, in
// the two numbers the store's goals depend on, measured with the zstd
// CLI on this machine: `zstd -3` shrinks a 2 GB copy of /usr 2.79:1, and
// `zstd -1` output is 12% larger than `zstd -3` output. A generated tree
// gives about 2.7:1 and 11%. The gap matters because the store compresses
// at a faster level than the anchor: content made of uniformly drawn short
// words (this generator until 2026-11-30) gave 2.05:1 and a 22% gap, and
// so penalised the store twice as much as any real tree did.
//
// Text is lines of Zipf-distributed words (the frequent words short),
// with some lines repeated from the same file or from a pool of common
// lines (include lines, licence headers); object code is Zipf-distributed
// opcode snippets, often followed by an immediate, and runs of zeros.
type content struct {
	r     *rand.Rand
	words [][]byte
	word  *rand.Zipf
	lines [][]byte
	line  *rand.Zipf
	ops   [][]byte
	op    *rand.Zipf
	buf   []byte
	spans [][2]int // recent lines of the file being made
}

func newContent(seed uint64) *content {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &content{r: r, buf: make([]byte, 0, 1<<20)}
	c.words = make([][]byte, 16384)
	for i := range c.words {
		w := make([]byte, 2+r.IntN(4)+i*8/len(c.words)) // rarer words are longer
		for j := range w {
			w[j] = "etaoinshrdlcumwfgypbvkjxqz_ETAOINSHRD0123456789"[r.IntN(46)]
		}
		c.words[i] = w
	}
	c.word = rand.NewZipf(r, 1.7, 1, uint64(len(c.words)-1))
	c.lines = make([][]byte, 4096)
	for i := range c.lines {
		c.lines[i] = c.freshLine(nil)
	}
	c.line = rand.NewZipf(r, 1.7, 1, uint64(len(c.lines)-1))
	c.ops = make([][]byte, 65536)
	for i := range c.ops {
		o := make([]byte, 1+r.IntN(6))
		for j := range o {
			o[j] = byte(r.Uint32())
		}
		c.ops[i] = o
	}
	c.op = rand.NewZipf(r, 1.5, 1, uint64(len(c.ops)-1))
	return c
}

func (c *content) freshLine(b []byte) []byte {
	for range c.r.IntN(4) {
		b = append(b, "  "...)
	}
	n := 2 + c.r.IntN(9)
	for i := range n {
		b = append(b, c.words[c.word.Uint64()]...)
		if i < n-1 {
			b = append(b, " ,.;()=*"[c.r.IntN(8)])
		}
	}
	return append(b, '\n')
}

func (c *content) make(k kind, size int) []byte {
	b := c.buf[:0]
	switch k {
	case textKind:
		c.spans = c.spans[:0]
		for len(b) < size {
			s := len(b)
			switch f := c.r.IntN(100); {
			case f < 5 && len(c.spans) > 0:
				x := c.spans[c.r.IntN(len(c.spans))]
				b = append(b, b[x[0]:x[1]]...)
			case f < 15:
				b = append(b, c.lines[c.line.Uint64()]...)
			default:
				b = c.freshLine(b)
			}
			if len(c.spans) < 64 {
				c.spans = append(c.spans, [2]int{s, len(b)})
			} else {
				c.spans[c.r.IntN(64)] = [2]int{s, len(b)}
			}
		}
	case binaryKind:
		for len(b) < size {
			if c.r.IntN(100) < 13 {
				b = append(b, make([]byte, 8+c.r.IntN(56))...)
				continue
			}
			b = append(b, c.ops[c.op.Uint64()]...)
			if c.r.IntN(10) < 8 {
				v := c.r.Uint32()
				if c.r.IntN(2) == 0 {
					v &= 0xff
				}
				b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
			}
		}
	default:
		for len(b) < size {
			v := c.r.Uint64()
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
	kinds := []kind{drawKind(r)}
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
			kinds = append(kinds, drawKind(r))
			sh.Dirs++
		}
		pi := len(dirs) - 1 - r.IntN(min(len(dirs), 4))
		parent := dirs[pi]
		exts := [...][]string{textKind: {".c", ".h", ".py", ".txt", ""}, binaryKind: {".o", ".so", ""}, packedKind: {".gz", ".png"}}[kinds[pi]]
		name := filepath.Join(parent, "f"+strconv.Itoa(n)+exts[r.IntN(len(exts))])
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
		if err := os.WriteFile(name, c.make(kinds[pi], size), mode); err != nil {
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
