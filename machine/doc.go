// Package machine holds the per-machine settings of an installed XLAPP
// system: host name, network, root password hash and SSH key.
//
// "xbuild configure" fills a Config from flags, a file or a questionnaire
// (Configure), each answer validated as it is given, and saves it as
// machine.config with mode 0600 (Save). "xbuild install" loads it (Load) and
// writes it into the target tree (Apply). The root password exists only as a
// SHA-512 crypt hash; it is never logged or printed.
//
//	cfg, err := machine.Configure(ctx, machine.ConfigureOptions{
//		Answers: machine.Answers{Hostname: "xlapp1"},
//		In: os.Stdin, Out: os.Stderr, ReadSecret: machine.TerminalSecret(os.Stdin),
//	})
//	err = machine.Save("machine.config", cfg)
package machine
