package stages

import (
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/xlapp/xbuild/manifests"
)

func testManifest() *manifests.Manifest {
	return &manifests.Manifest{
		Name:            "t",
		SourceDateEpoch: 1700000000,
		Sources: []manifests.Source{
			{File: "a.tar", SHA256: digest.FromString("a"), Size: 1},
			{File: "b.tar", SHA256: digest.FromString("b"), Size: 1},
		},
		Stages: []manifests.Stage{{
			Name: "one", Root: manifests.RootSeed, User: manifests.User{Name: "lfs", UID: 1000, GID: 1000},
			Env: []manifests.EnvVar{{Key: "LFS_TGT", Value: "x86_64-lfs-linux-gnu"}},
			Packages: []manifests.Package{
				{Name: "p1", Sources: []string{"a.tar"}, Body: []byte("echo 1\n"), Jobs: manifests.JobsParallel},
				{Name: "p2", Sources: []string{"b.tar"}, Body: []byte("echo 2\n"), Jobs: manifests.JobsParallel},
			},
		}},
	}
}

func keys(m *manifests.Manifest) []digest.Digest {
	k, _ := StepKeys(m, &m.Stages[0], digest.FromString("seed"), EmptyTree)
	return k
}

func TestStepKeysChange(t *testing.T) {
	base := keys(testManifest())
	tests := []struct {
		name        string
		edit        func(m *manifests.Manifest)
		firstChange int // index of the first step whose key must change; -1: none
	}{
		{"nothing", func(m *manifests.Manifest) {}, -1},
		{"script of p2", func(m *manifests.Manifest) { m.Stages[0].Packages[1].Body = []byte("echo 3\n") }, 1},
		{"script of p1 changes p2 too", func(m *manifests.Manifest) { m.Stages[0].Packages[0].Body = []byte("echo 0\n") }, 0},
		{"source hash", func(m *manifests.Manifest) { m.Sources[1].SHA256 = digest.FromString("b2") }, 1},
		{"stage env", func(m *manifests.Manifest) { m.Stages[0].Env[0].Value = "i686" }, 0},
		{"package env", func(m *manifests.Manifest) {
			m.Stages[0].Packages[1].Env = []manifests.EnvVar{{Key: "X", Value: "1"}}
		}, 1},
		{"jobs mode", func(m *manifests.Manifest) { m.Stages[0].Packages[1].Jobs = manifests.JobsSerial }, 1},
		{"user", func(m *manifests.Manifest) { m.Stages[0].User.UID = 1001 }, 0},
		{"root mode", func(m *manifests.Manifest) { m.Stages[0].Root = manifests.RootLFS }, 0},
		{"epoch", func(m *manifests.Manifest) { m.SourceDateEpoch++ }, 0},
		// Things that cannot change the result must not change the key.
		{"source URL", func(m *manifests.Manifest) { m.Sources[0].URLs = []string{"https://example.org/a.tar"} }, -1},
		{"source note", func(m *manifests.Manifest) { m.Sources[0].Note = "repacked" }, -1},
		{"script path", func(m *manifests.Manifest) { m.Stages[0].Packages[0].Script = "elsewhere.sh" }, -1},
		{"manifest version", func(m *manifests.Manifest) { m.Version = "99" }, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest()
			tc.edit(m)
			got := keys(m)
			for i := range got {
				changed := got[i] != base[i]
				want := tc.firstChange >= 0 && i >= tc.firstChange
				if changed != want {
					t.Errorf("step %d: changed=%v, want %v", i, changed, want)
				}
			}
		})
	}
}

func TestStepKeysSeedAndParent(t *testing.T) {
	m := testManifest()
	a, _ := StepKeys(m, &m.Stages[0], digest.FromString("seed"), EmptyTree)
	b, _ := StepKeys(m, &m.Stages[0], digest.FromString("seed2"), EmptyTree)
	c, _ := StepKeys(m, &m.Stages[0], digest.FromString("seed"), digest.FromString("parent").String())
	if a[0] == b[0] || a[0] == c[0] || b[0] == c[0] {
		t.Fatal("seed and parent must change every key")
	}
}

func TestDiffEncodingNamesCause(t *testing.T) {
	m := testManifest()
	_, in := StepKeys(m, &m.Stages[0], digest.FromString("seed"), EmptyTree)
	old := in[1].Encode()
	m.Stages[0].Packages[1].Body = []byte("echo changed\n")
	_, in2 := StepKeys(m, &m.Stages[0], digest.FromString("seed"), EmptyTree)
	if got := diffEncoding(old, in2[1].Encode()); got != "script changed" {
		t.Fatalf("got %q", got)
	}
}
