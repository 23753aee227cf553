package sources

import (
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

var (
	// ErrMissing means a source is not in the store: run xbuild fetch.
	ErrMissing = errors.New("not fetched")
	// ErrCorrupt means a stored copy no longer matches its pin.
	ErrCorrupt = errors.New("stored copy is corrupt")
	// errNotFound marks a candidate that does not have the file at all, as
	// opposed to one that has it wrong.
	errNotFound = errors.New("not found")
)

// missingError names the source that is not fetched.
type missingError struct{ file string }

func (e *missingError) Error() string {
	return fmt.Sprintf("source %s is not fetched: run xbuild fetch", e.file)
}

func (e *missingError) Unwrap() error { return ErrMissing }

// HashMismatchError reports a file whose content is not the pinned one.
// The file was moved to Quarantined (a path in the store's quarantine/) and
// is never used.
type HashMismatchError struct {
	File        string // the source's file name
	URL         string // where it came from (a URL or a path)
	Want, Got   digest.Digest
	Quarantined string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("hash mismatch for %s from %s: %s", e.File, e.URL, e.reason())
}

// reason is the part of the message that does not repeat file and URL.
func (e *HashMismatchError) reason() string {
	s := fmt.Sprintf("want %s, got %s", e.Want, e.Got)
	if e.Quarantined != "" {
		s += " (moved to " + e.Quarantined + ")"
	}
	return s
}

// Attempt is one place a source was looked for.
type Attempt struct {
	From string // URL or path
	Err  error
}

// FetchError reports a source that no candidate could provide, with every
// attempt in the order made. errors.As finds the attempts' errors, such as a
// *HashMismatchError, through it.
type FetchError struct {
	File     string
	Attempts []Attempt
}

func (e *FetchError) Error() string {
	if len(e.Attempts) == 0 {
		return fmt.Sprintf("fetch %s: no mirror, url, local file or debian entry to fetch it from", e.File)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fetch %s: tried %d places:", e.File, len(e.Attempts))
	for _, a := range e.Attempts {
		reason := a.Err.Error()
		var hm *HashMismatchError
		if errors.As(a.Err, &hm) {
			reason = hm.reason()
		}
		fmt.Fprintf(&b, "\n  %s: %s", a.From, reason)
	}
	return b.String()
}

func (e *FetchError) Unwrap() []error {
	errs := make([]error, 0, len(e.Attempts))
	for _, a := range e.Attempts {
		errs = append(errs, a.Err)
	}
	return errs
}
