package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/opencontainers/go-digest"
)

// BackupDir is where, under the host's /boot, the journal and the original
// copies of every changed file are kept until Undo.
const BackupDir = "xbuild-backup"

// journal records, before the first change of each host file, what the
// file was, so Undo can put it back byte for byte. It is saved (synced)
// before the change is made, so an interrupted install is still undoable.
type journal struct {
	boot  string
	Files []journalFile `json:"files"`
}

type journalFile struct {
	Path    string        `json:"path"` // relative to /boot
	Existed bool          `json:"existed"`
	Mode    fs.FileMode   `json:"mode,omitempty"`
	Link    string        `json:"link,omitempty"`   // symlink target
	Backup  string        `json:"backup,omitempty"` // copy under BackupDir
	Digest  digest.Digest `json:"digest,omitempty"` // of the copy
}

func journalPath(boot string) string { return filepath.Join(boot, BackupDir, "journal.json") }

func openJournal(boot string) (*journal, error) {
	j := &journal{boot: boot}
	data, err := os.ReadFile(journalPath(boot))
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read install journal: %w", err)
	}
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("read install journal %s: %w", journalPath(boot), err)
	}
	return j, nil
}

// record saves rel's current state unless it is already recorded (a second
// install keeps the state from before the first one).
func (j *journal) record(rel string) error {
	for _, f := range j.Files {
		if f.Path == rel {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Join(j.boot, BackupDir), 0o700); err != nil {
		return fmt.Errorf("create backup dir: %w", err)
	}
	p := filepath.Join(j.boot, rel)
	f := journalFile{Path: rel}
	st, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("back up %s: %w", p, err)
	case st.Mode()&fs.ModeSymlink != 0:
		f.Existed, f.Mode = true, st.Mode()
		if f.Link, err = os.Readlink(p); err != nil {
			return fmt.Errorf("back up %s: %w", p, err)
		}
	case st.Mode().IsRegular():
		f.Existed, f.Mode = true, st.Mode()
		f.Backup = strconv.Itoa(len(j.Files))
		dst := filepath.Join(j.boot, BackupDir, f.Backup)
		if f.Digest, err = copyFile(p, dst); err != nil {
			return fmt.Errorf("back up %s: %w", p, err)
		}
	default:
		return fmt.Errorf("back up %s: not a regular file or symlink", p)
	}
	j.Files = append(j.Files, f)
	return j.save()
}

func (j *journal) save() error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return fmt.Errorf("write install journal: %w", err)
	}
	return writeFileAtomic(journalPath(j.boot), data, 0o600)
}

// copyFile copies src to a new file dst, synced, and returns its digest.
func copyFile(src, dst string) (digest.Digest, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	dg := digest.Canonical.Digester()
	_, err = io.Copy(io.MultiWriter(out, dg.Hash()), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return dg.Digest(), err
}

// writeFileAtomic writes a temporary file beside path, syncs it, renames it
// over path and syncs the directory.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".xbuild-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Undo puts every host file xbuild install changed back as it was before
// the first install, byte for byte, removes the files it added, and then
// the backups. It is safe to run again after it was interrupted.
func Undo(ctx context.Context, opts UndoOptions) error {
	boot := opts.Boot
	if boot == "" {
		boot = "/boot"
	}
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	j, err := openJournal(boot)
	if err != nil {
		return err
	}
	if len(j.Files) == 0 {
		return fmt.Errorf("undo in %s: %w", boot, ErrNothingToUndo)
	}
	for i := len(j.Files) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := j.Files[i]
		p := filepath.Join(boot, f.Path)
		switch {
		case !f.Existed:
			fmt.Fprintf(out, "remove   %s\n", p)
			if !opts.DryRun {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("undo %s: %w", p, err)
				}
			}
		case f.Link != "":
			fmt.Fprintf(out, "relink   %s -> %s\n", p, f.Link)
			if !opts.DryRun {
				tmp := p + ".xbuild-undo"
				os.Remove(tmp)
				if err := os.Symlink(f.Link, tmp); err != nil {
					return fmt.Errorf("undo %s: %w", p, err)
				}
				if err := os.Rename(tmp, p); err != nil {
					return fmt.Errorf("undo %s: %w", p, err)
				}
			}
		default:
			fmt.Fprintf(out, "restore  %s\n", p)
			if opts.DryRun {
				continue
			}
			data, err := os.ReadFile(filepath.Join(boot, BackupDir, f.Backup))
			if err != nil {
				return fmt.Errorf("undo %s: %w", p, err)
			}
			if digest.FromBytes(data) != f.Digest {
				return fmt.Errorf("undo %s: backup copy is damaged", p)
			}
			if err := writeFileAtomic(p, data, f.Mode.Perm()); err != nil {
				return fmt.Errorf("undo: %w", err)
			}
		}
	}
	if opts.DryRun {
		return nil
	}
	if err := os.RemoveAll(filepath.Join(boot, BackupDir)); err != nil {
		return fmt.Errorf("undo: remove backups: %w", err)
	}
	fmt.Fprintf(out, "The host's boot loader files in %s are as they were before xbuild install.\n", boot)
	return syncDir(boot)
}
