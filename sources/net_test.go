package sources

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/xlapp/xbuild/manifests"
)

// TestFetchHelloFromDebianNet fetches GNU hello 2.10 from the Debian archive
// named by this machine's apt configuration. It needs the network: it runs
// when XBUILD_TEST_NET=1, and always in CI.
func TestFetchHelloFromDebianNet(t *testing.T) {
	if os.Getenv("XBUILD_TEST_NET") != "1" && os.Getenv("CI") == "" {
		t.Skip("needs the network: set XBUILD_TEST_NET=1")
	}
	src := manifests.Source{
		File:   "hello-2.10.tar.gz",
		SHA256: "sha256:31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b",
		Size:   725946,
		Debian: &manifests.Debian{Package: "hello", File: "hello_2.10.orig.tar.gz"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st := openStore(t)
	rec := &recorder{}
	start := time.Now()
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{Debian: true, Reporter: rec}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	t.Logf("fetched %s in %v: %v", src.File, time.Since(start).Round(time.Millisecond), rec.events)
	if err := st.Verify(ctx, src); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
