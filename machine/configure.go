package machine

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/internal/sha512crypt"
)

// Answers are the questionnaire's answers as given on the command line or in
// a file. An empty field is asked for interactively.
type Answers struct {
	Hostname  string
	Domain    string // "-" means no domain
	Interface string
	Address   string // "192.0.2.10/24"
	Gateway   string
	DNS       string // servers separated by commas or spaces
	// Password is the root password in clear; PasswordHash a ready "$6$" hash.
	// At most one is given.
	Password     string
	PasswordHash string
	SSHKey       string // a path to a public key file, or the key itself
}

// ConfigureOptions drives Configure.
type ConfigureOptions struct {
	Answers Answers
	// In and Out carry the questions; nil In means non-interactive: every
	// missing answer is an error.
	In  io.Reader
	Out io.Writer
	// ReadSecret reads the password without echo; nil reads a line from In.
	ReadSecret func(prompt string) ([]byte, error)
	Rand       io.Reader // salt source; nil: crypto/rand
	// Tries bounds the questions per field before giving up; 0 means 3.
	Tries int
}

// ErrNoAnswer reports a missing answer in non-interactive mode or an input
// that ended.
var ErrNoAnswer = errors.New("no answer")

// Configure builds a Config from opts.Answers, asking on opts.In for every
// missing one and validating each answer as it is given (an invalid one is
// explained and asked again). The password is asked twice and kept only as
// its SHA-512 crypt hash.
func Configure(ctx context.Context, opts ConfigureOptions) (*Config, error) {
	q := &questioner{opts: opts}
	if opts.In != nil {
		q.in = bufio.NewReader(opts.In)
	}
	if q.opts.Out == nil {
		q.opts.Out = io.Discard
	}
	if q.opts.Rand == nil {
		q.opts.Rand = rand.Reader
	}
	if q.opts.Tries == 0 {
		q.opts.Tries = 3
	}
	a := opts.Answers
	c := &Config{}
	steps := []struct {
		name, prompt, given string
		set                 func(string) error
	}{
		{"hostname", "Host name (one label, e.g. xlapp1)", a.Hostname, func(s string) error {
			c.Hostname = s
			return CheckHostname(s)
		}},
		{"domain", "DNS domain (\"-\" for none)", a.Domain, func(s string) error {
			if s == "-" {
				c.Domain = ""
				return nil
			}
			c.Domain = s
			return CheckDomain(s)
		}},
		{"interface", "Network interface (e.g. eth0)", a.Interface, func(s string) error {
			c.Interface = s
			return CheckInterface(s)
		}},
		{"address", "IPv4 address/prefix (e.g. 192.0.2.10/24)", a.Address, func(s string) error {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return err
			}
			c.Address = p
			return checkAddress(p)
		}},
		{"gateway", "Gateway", a.Gateway, func(s string) error {
			g, err := netip.ParseAddr(s)
			if err != nil {
				return err
			}
			c.Gateway = g
			return checkGateway(g, c.Address)
		}},
		{"dns", "DNS servers (comma separated)", a.DNS, func(s string) error {
			c.DNS = nil
			for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
				d, err := netip.ParseAddr(f)
				if err != nil {
					return err
				}
				c.DNS = append(c.DNS, d)
			}
			if len(c.DNS) == 0 {
				return errors.New("at least one server is needed")
			}
			return nil
		}},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := q.field(s.name, s.prompt, s.given, s.set); err != nil {
			return nil, err
		}
	}
	if err := q.password(c, a); err != nil {
		return nil, err
	}
	if err := q.field("ssh_key", "SSH public key for root (a file path or the key)", a.SSHKey, func(s string) error {
		k, err := readSSHKey(s)
		c.SSHKey = k
		return err
	}); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

type questioner struct {
	opts ConfigureOptions
	in   *bufio.Reader
}

func (q *questioner) ask(prompt string) (string, error) {
	if q.in == nil {
		return "", ErrNoAnswer
	}
	fmt.Fprintf(q.opts.Out, "%s: ", prompt)
	line, err := q.in.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", fmt.Errorf("%w: %w", ErrNoAnswer, err)
	}
	return strings.TrimSpace(line), nil
}

func (q *questioner) field(name, prompt, given string, set func(string) error) error {
	if given != "" {
		if err := set(given); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	for range q.opts.Tries {
		ans, err := q.ask(prompt)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		err = set(ans)
		if err == nil {
			return nil
		}
		fmt.Fprintf(q.opts.Out, "  %v; try again\n", err)
	}
	return fmt.Errorf("%s: %w: too many invalid answers", name, ErrNoAnswer)
}

func (q *questioner) secret(prompt string) ([]byte, error) {
	if q.opts.ReadSecret != nil {
		return q.opts.ReadSecret(prompt)
	}
	s, err := q.ask(prompt)
	return []byte(s), err
}

func (q *questioner) password(c *Config, a Answers) error {
	switch {
	case a.Password != "" && a.PasswordHash != "":
		return errors.New("root password: give a password or a hash, not both")
	case a.PasswordHash != "":
		if _, err := sha512crypt.Crypt(nil, a.PasswordHash); err != nil {
			return fmt.Errorf("root password hash: %w", err)
		}
		c.RootHash = a.PasswordHash
		return nil
	case a.Password != "":
		return q.hash(c, []byte(a.Password))
	}
	if q.in == nil && q.opts.ReadSecret == nil {
		return fmt.Errorf("root password: %w", ErrNoAnswer)
	}
	for range q.opts.Tries {
		p1, err := q.secret("Root password")
		if err != nil {
			return fmt.Errorf("root password: %w", err)
		}
		p2, err := q.secret("Root password again")
		if err != nil {
			return fmt.Errorf("root password: %w", err)
		}
		switch {
		case len(p1) < 8:
			fmt.Fprintln(q.opts.Out, "  at least 8 characters, please; try again")
		case string(p1) != string(p2):
			fmt.Fprintln(q.opts.Out, "  the two passwords differ; try again")
		default:
			return q.hash(c, p1)
		}
	}
	return fmt.Errorf("root password: %w: too many invalid answers", ErrNoAnswer)
}

func (q *questioner) hash(c *Config, pw []byte) error {
	h, err := sha512crypt.New(pw, q.opts.Rand)
	if err != nil {
		return fmt.Errorf("hash root password: %w", err)
	}
	c.RootHash = h
	return nil
}

// readSSHKey accepts the key itself or the path of a file holding it.
func readSSHKey(s string) (string, error) {
	if !strings.Contains(s, " ") {
		data, err := os.ReadFile(s)
		if err != nil {
			return "", fmt.Errorf("read ssh key: %w", err)
		}
		s = strings.TrimSpace(string(data))
	}
	return ParseSSHKey(s)
}

// TerminalSecret returns a ReadSecret that reads a line from the terminal f
// with echo turned off, or nil when f is not a terminal (then the
// questionnaire reads the password as an ordinary line).
func TerminalSecret(f *os.File, out io.Writer) func(prompt string) ([]byte, error) {
	fd := int(f.Fd())
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return nil
	}
	return func(prompt string) ([]byte, error) {
		old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return nil, fmt.Errorf("read password: %w", err)
		}
		noEcho := *old
		noEcho.Lflag &^= unix.ECHO
		noEcho.Lflag |= unix.ICANON | unix.ISIG
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho); err != nil {
			return nil, fmt.Errorf("read password: %w", err)
		}
		defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
		fmt.Fprintf(out, "%s: ", prompt)
		defer fmt.Fprintln(out)
		var line []byte
		buf := make([]byte, 1)
		for {
			n, err := f.Read(buf)
			if n == 1 {
				if buf[0] == '\n' || buf[0] == '\r' {
					return line, nil
				}
				line = append(line, buf[0])
			}
			if err != nil {
				if errors.Is(err, io.EOF) && len(line) > 0 {
					return line, nil
				}
				return nil, fmt.Errorf("read password: %w", err)
			}
		}
	}
}

// answersFile is the YAML form of Answers for "xbuild configure --answers FILE".
// It takes the password only as a hash: a clear password does not belong in
// a file.
type answersFile struct {
	Hostname     string   `yaml:"hostname"`
	Domain       string   `yaml:"domain"`
	Interface    string   `yaml:"interface"`
	Address      string   `yaml:"address"`
	Gateway      string   `yaml:"gateway"`
	DNS          []string `yaml:"dns"`
	PasswordHash string   `yaml:"root_hash"`
	SSHKey       string   `yaml:"ssh_key"`
}

// LoadAnswers reads answers from YAML with the keys of machine.config
// (hostname, domain, interface, address, gateway, dns, root_hash, ssh_key);
// any key may be missing and is then asked for. Unknown keys are errors.
func LoadAnswers(r io.Reader) (Answers, error) {
	var f answersFile
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return Answers{}, fmt.Errorf("read answers: %w", err)
	}
	return Answers{Hostname: f.Hostname, Domain: f.Domain, Interface: f.Interface,
		Address: f.Address, Gateway: f.Gateway, DNS: strings.Join(f.DNS, ","),
		PasswordHash: f.PasswordHash, SSHKey: f.SSHKey}, nil
}
