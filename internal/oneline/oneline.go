// Package oneline joins errors into one line, for packages whose errors must
// stay one line (the CLI prints every error on one line).
package oneline

import "strings"

// Join is errors.Join on one line: messages separated by "; ".
// It returns nil for no errors; errors.Is and errors.As see every error.
func Join(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return oneLine(errs)
}

type oneLine []error

func (e oneLine) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

func (e oneLine) Unwrap() []error { return e }
