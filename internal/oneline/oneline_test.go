package oneline

import (
	"errors"
	"io/fs"
	"testing"
)

func TestJoin(t *testing.T) {
	if Join(nil) != nil {
		t.Fatal("no errors must give nil")
	}
	err := Join([]error{errors.New("a bad"), fs.ErrNotExist})
	if err.Error() != "a bad; file does not exist" {
		t.Fatalf("got %q", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("errors.Is must see every joined error")
	}
}
