// Command hashlist hashes images and builds, signs, verifies, inspects,
// converts and matches hash lists with mnr's hashmatch package.
//
// Usage:
//
//	go run ./examples/hashlist COMMAND [flags] [args]
//
// Commands:
//
//	hash     hash image files: PATH<TAB>KIND<TAB>HEX<TAB>QUALITY per file and kind
//	build    build an mnr list (signed with -key) from images and hash lists
//	keygen   create an Ed25519 signing key pair (NAME.key, NAME.pub)
//	sign     write LIST.sig, the detached signature of a list file
//	verify   check list files' signatures against trusted public keys
//	inspect  print a list's counts, kinds and categories (hashes only with -hashes)
//	match    match image files, or hex hashes on stdin, against lists
//	convert  convert a list between the plain, csv, tsv and mnr formats
//
// Run "hashlist COMMAND -h" for a command's flags. Hash lists are sensitive:
// no command prints a list's hashes unless asked (inspect -hashes, convert).
// Long runs report progress on stderr.
//
// Exit status: 0 success; 1 some input failed (the others were processed),
// or, for match, at least one match was found; 2 usage error or a fatal
// error (a list that cannot be read or is not trusted); 3 (match only) no
// match, but some query input could not be read.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK         = 0
	exitFailed     = 1 // some input failed; for match: a match was found
	exitUsage      = 2 // bad usage or a fatal error
	exitInputError = 3 // match: no match, but some query input failed
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand; it returns the exit code.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"hash", "hash image files", func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
			return cmdHash(ctx, args, stdout, stderr)
		}},
		{"build", "build an mnr list from images and hash lists", cmdBuild},
		{"keygen", "create a signing key pair", cmdKeygen},
		{"sign", "sign list files", cmdSign},
		{"verify", "verify list files' signatures", cmdVerify},
		{"inspect", "print a list's counts and categories", cmdInspect},
		{"match", "match images or hex hashes against lists", cmdMatch},
		{"convert", "convert a list between formats", cmdConvert},
	}
}

// run dispatches to the subcommand named by args[0].
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "hashlist: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: hashlist COMMAND [flags] [args]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"hashlist COMMAND -h\" for a command's flags.\n"+
		"Exit status: 0 ok; 1 some input failed, or (match) a match was found;\n"+
		"2 usage or fatal error; 3 (match) no match but some query input failed.\n")
}
