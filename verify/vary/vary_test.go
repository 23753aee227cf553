package vary

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xlapp/xbuild/manifests"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		on, off []string
		str     string
		err     string
	}{
		{spec: "", on: []string{BuildPath, Time, DirOrder}, str: "+all"},
		{spec: "+all", on: []string{Locale}, str: "+all"},
		{spec: "--vary=-time,-cpus", on: []string{Hostname}, off: []string{Time, CPUs}, str: "+all,-time,-cpus"},
		{spec: "+all,-locale", on: []string{Umask}, off: []string{Locale}, str: "+all,-locale"},
		{spec: "-all,+hostname", on: []string{Hostname}, off: []string{Time, BuildPath}, str: "-all,+hostname"},
		{spec: "-all, hostname ,umask", on: []string{Hostname, Umask}, off: []string{User}, str: "-all,+hostname,+umask"},
		{spec: "-time,+time", on: []string{Time}, str: "+all"},
		{spec: "-all", off: []string{Env}, str: "-all"},
		{spec: "-tme,+colour", err: `unknown variation "tme", "colour"; valid: all, build-path, time, hostname, umask, timezone, locale, user, cpus, env, dir-order`},
		{spec: "-", err: `unknown variation ""`},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := Parse(tc.spec)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.on {
				if !s.Has(n) {
					t.Errorf("%s is off", n)
				}
			}
			for _, n := range tc.off {
				if s.Has(n) {
					t.Errorf("%s is on", n)
				}
			}
			if got := s.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			back, err := Parse(s.String())
			if err != nil || back != s {
				t.Errorf("Parse(String()) = %v, %v; want %v", back, err, s)
			}
		})
	}
}

// rootWith builds a fake stage root holding the given files.
func rootWith(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestApply(t *testing.T) {
	base := Settings{
		Hostname: "xbuild", Umask: 0o022, Jobs: 2, BuildPath: "/build",
		User: BuildUser{Name: "lfs", UID: 1000, GID: 1000},
		Env:  map[string]string{"KEEP": "me"},
	}
	pinned := map[string]string{"SOURCE_DATE_EPOCH": "1735689600", "LC_ALL": "POSIX", "TZ": "UTC"}
	epochOnly := map[string]string{"SOURCE_DATE_EPOCH": "1735689600"}
	empty := rootWith(t, map[string]string{"usr/bin/true": ""})
	dirLocale := rootWith(t, map[string]string{"usr/lib/locale/fr_CH.utf8/LC_CTYPE": "x"})
	archive := rootWith(t, map[string]string{"usr/lib/locale/locale-archive": "\x00\x00junk\x00C.utf8\x00en_US.utf8\x00more"})
	tests := []struct {
		name     string
		spec     string
		base     Settings
		facts    StageFacts
		applied  map[string]string // variation -> substring of Reason
		skipped  map[string]string
		settings func(t *testing.T, s Settings)
	}{
		{
			name: "everything on, stage pins locale and time zone",
			base: base, facts: StageFacts{PinnedEnv: pinned, BuildUser: "lfs", RootfsDir: dirLocale, CPUs: 2},
			applied: map[string]string{
				BuildPath: "/xbuild-vary-path/build with TMPDIR=/xbuild-vary-path/tmp",
				Time:      "not shifted",
				Hostname:  "xbuild-vary-host",
				Umask:     "umask 0002 instead of 0022",
				User:      "xbuild-vary-user uid 1001 gid 1001 instead of lfs uid 1000",
				CPUs:      "make -j1 on CPU 0 instead of -j2",
				Env:       "HOME=/xbuild-vary-home, XBUILD_VARY_STRAY=1",
			},
			skipped: map[string]string{
				Timezone: "the stage pins TZ=UTC",
				Locale:   "the stage pins LC_ALL=POSIX",
				DirOrder: "not feasible",
			},
			settings: func(t *testing.T, s Settings) {
				want := Settings{Hostname: "xbuild-vary-host", Domainname: "xbuild-vary-domain", Umask: 0o002, Jobs: 1, Cpuset: "0",
					BuildPath: "/xbuild-vary-path/build", TmpDir: "/xbuild-vary-path/tmp",
					User: BuildUser{Name: "xbuild-vary-user", UID: 1001, GID: 1001}}
				got := s
				got.Env = nil
				if !reflect.DeepEqual(got, want) {
					t.Errorf("settings\n got %+v\nwant %+v", got, want)
				}
				for k, v := range map[string]string{"KEEP": "me", "HOME": "/xbuild-vary-home", "XBUILD_VARY_STRAY": "1"} {
					if s.Env[k] != v {
						t.Errorf("env %s=%q, want %q", k, s.Env[k], v)
					}
				}
				for _, k := range []string{"TZ", "LC_ALL", "LANG"} {
					if _, ok := s.Env[k]; ok {
						t.Errorf("env sets pinned %s", k)
					}
				}
			},
		},
		{
			name: "locale missing from the root",
			base: base, facts: StageFacts{PinnedEnv: epochOnly, RootfsDir: empty, CPUs: 2},
			applied: map[string]string{Timezone: "TZ=XBVARY-14"},
			skipped: map[string]string{
				Locale: "the stage's root has none of et_EE.UTF-8",
				User:   "the stage builds as root",
			},
			settings: func(t *testing.T, s Settings) {
				if s.Env["TZ"] != "XBVARY-14" {
					t.Errorf("TZ=%q", s.Env["TZ"])
				}
				if _, ok := s.Env["LC_ALL"]; ok {
					t.Error("LC_ALL set for a locale the root lacks")
				}
			},
		},
		{
			name: "locale from a compiled locale directory",
			base: base, facts: StageFacts{PinnedEnv: epochOnly, RootfsDir: dirLocale},
			applied: map[string]string{Locale: "fr_CH.UTF-8"},
			settings: func(t *testing.T, s Settings) {
				if s.Env["LC_ALL"] != "fr_CH.UTF-8" || s.Env["LANG"] != "fr_CH.UTF-8" {
					t.Errorf("env %v", s.Env)
				}
			},
		},
		{
			name: "locale from the locale archive",
			base: base, facts: StageFacts{PinnedEnv: epochOnly, RootfsDir: archive},
			applied: map[string]string{Locale: "en_US.UTF-8"},
		},
		{
			name:    "switched off and single CPU",
			spec:    "-hostname,-build-path",
			base:    Settings{Hostname: "xbuild", Umask: 0o022, Jobs: 1, BuildPath: "/build"},
			facts:   StageFacts{PinnedEnv: map[string]string{"HOME": "/build"}, CPUs: 1},
			applied: map[string]string{Env: "XBUILD_VARY_STRAY=1 (the stage pins HOME)"},
			skipped: map[string]string{
				Hostname:  "switched off (--vary=-hostname)",
				BuildPath: "switched off",
				CPUs:      "one CPU only",
				Locale:    "no root directory",
			},
			settings: func(t *testing.T, s Settings) {
				if s.Hostname != "xbuild" || s.BuildPath != "/build" || s.Jobs != 1 || s.Cpuset != "" {
					t.Errorf("switched-off variations changed settings: %+v", s)
				}
				if _, ok := s.Env["HOME"]; ok {
					t.Error("pinned HOME overridden")
				}
			},
		},
		{
			name: "user renamed, uid kept",
			base: base, facts: StageFacts{BuildUser: "lfs", KeepUID: true},
			applied: map[string]string{User: "xbuild-vary-user uid 1000 gid 1000 instead of lfs uid 1000"},
		},
		{
			name: "stage pins TMPDIR",
			base: base, facts: StageFacts{PinnedEnv: map[string]string{"TMPDIR": "/var/tmp"}},
			applied: map[string]string{BuildPath: "(the stage pins TMPDIR=/var/tmp)"},
		},
		{
			name: "serial first build on two CPUs",
			base: Settings{Jobs: 1, Umask: 0o002}, facts: StageFacts{CPUs: 2},
			applied: map[string]string{CPUs: "make -j2 on 2 CPUs instead of -j1", Umask: "umask 0022 instead of 0002"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			baseEnv := len(tc.base.Env)
			got, report := set.Apply(tc.base, tc.facts)
			if len(tc.base.Env) != baseEnv {
				t.Error("Apply modified the base environment")
			}
			if len(report) != len(All()) {
				t.Fatalf("%d entries in the report, want %d", len(report), len(All()))
			}
			for i, a := range report {
				if a.Name != All()[i].Name {
					t.Errorf("report[%d] is %s, want %s", i, a.Name, All()[i].Name)
				}
				if a.Reason == "" {
					t.Errorf("%s: no reason", a.Name)
				}
				if want, ok := tc.applied[a.Name]; ok && (!a.Applied || !strings.Contains(a.Reason, want)) {
					t.Errorf("%s: applied=%v %q, want applied with %q", a.Name, a.Applied, a.Reason, want)
				}
				if want, ok := tc.skipped[a.Name]; ok && (a.Applied || !strings.Contains(a.Reason, want)) {
					t.Errorf("%s: applied=%v %q, want not applied with %q", a.Name, a.Applied, a.Reason, want)
				}
			}
			if tc.settings != nil {
				tc.settings(t, got)
			}
		})
	}
}

func TestNormalizeCodeset(t *testing.T) {
	for in, want := range map[string]string{"et_EE.UTF-8": "et_EE.utf8", "C.UTF-8": "C.utf8", "de_DE.ISO-8859-1": "de_DE.iso88591", "POSIX": "POSIX"} {
		if got := normalizeCodeset(in); got != want {
			t.Errorf("normalizeCodeset(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasLocaleOnThisMachine(t *testing.T) {
	// Debian ships C.utf8 as a compiled directory; glibc's localedef
	// writes others into the archive. Either way the probe must agree
	// with what the host's glibc has.
	if _, err := os.Stat("/usr/lib/locale/C.utf8/LC_CTYPE"); err != nil {
		t.Skip("no C.utf8 on this machine")
	}
	ok, err := hasLocale("/", "C.UTF-8")
	if err != nil || !ok {
		t.Errorf("hasLocale(/, C.UTF-8) = %v, %v", ok, err)
	}
}

func TestFactsForAndBaseline(t *testing.T) {
	m := &manifests.Manifest{SourceDateEpoch: 1735689600}
	st := &manifests.Stage{Name: "toolchain", User: manifests.User{Name: "lfs", UID: 1000, GID: 1000},
		Env: []manifests.EnvVar{{Key: "LFS_TGT", Value: "x86_64-lfs-linux-gnu"}}}
	facts := FactsFor(m, st, t.TempDir(), 2)
	base := Baseline(st, 2)
	set, err := Parse("")
	if err != nil {
		t.Fatal(err)
	}
	got, report := set.Apply(base, facts)
	state := map[string]bool{}
	for _, a := range report {
		state[a.Name] = a.Applied
	}
	want := map[string]bool{BuildPath: true, Time: true, Hostname: true, Umask: false, Timezone: false, Locale: false,
		User: true, CPUs: true, Env: true, DirOrder: false}
	if !reflect.DeepEqual(state, want) {
		t.Errorf("applied %v, want %v", state, want)
	}
	if got.Umask != 0o022 {
		t.Errorf("umask %04o: the sandbox pins it", got.Umask)
	}
	if got.User != (BuildUser{Name: VaryUser, UID: 1000, GID: 1000}) {
		t.Errorf("user %+v: the uid must stay (the lfs user owns the temporary tools)", got.User)
	}
	if facts.PinnedEnv["LFS_TGT"] != "x86_64-lfs-linux-gnu" || facts.PinnedEnv["SOURCE_DATE_EPOCH"] != "1735689600" {
		t.Errorf("pinned %v", facts.PinnedEnv)
	}
}
