package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// config is the service configuration: flags, each with an environment variable
// fallback. A flag given on the command line beats its variable.
type config struct {
	addr            string
	hashlists       []string
	listKeys        []string
	allowUnsigned   bool
	store           string
	vaultDir        string
	vaultKeyFile    string
	maxUploadBytes  int64
	maxPixels       int64
	maxDecodes      int
	maxQueue        int
	decodeWait      time.Duration
	dihedral        bool
	jurisdictions   []string
	reviewToken     string
	cybertipURL     string
	dsaURL          string
	reporterName    string
	reporterEmail   string
	shutdownTimeout time.Duration
	logFormat       string
	logLevel        string
}

// Defaults of the bounds; the README and doc.go document the same values.
const (
	defaultAddr            = "127.0.0.1:8080"
	defaultMaxUploadBytes  = 20 << 20   // 20 MiB
	defaultMaxPixels       = 24_000_000 // a 6000x4000 photo
	defaultMaxQueue        = 16
	defaultDecodeWait      = 5 * time.Second
	defaultShutdownTimeout = 10 * time.Second
	defaultJurisdictions   = "US,EU"
)

// envPrefix prefixes every environment variable: -max-pixels <- UPLOADSCANNER_MAX_PIXELS.
const envPrefix = "UPLOADSCANNER_"

// envName returns the environment variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// listFlag is a repeatable string flag; the environment form separates values with
// commas.
type listFlag struct{ values *[]string }

func (f listFlag) String() string {
	if f.values == nil {
		return ""
	}
	return strings.Join(*f.values, ",")
}

func (f listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*f.values = append(*f.values, v)
		}
	}
	return nil
}

// parseConfig parses args (without the program name), then fills every flag not
// given on the command line from its environment variable.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("uploadscanner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: uploadscanner [flags]\n\n"+
			"Scans uploads against hash lists, quarantines matches, opens takedown cases and\n"+
			"drafts agency reports for review. Every flag falls back to the environment\n"+
			"variable %sNAME (e.g. -max-pixels <- %s).\n\nFlags:\n", envPrefix, envName("max-pixels"))
		fs.PrintDefaults()
	}
	fs.StringVar(&c.addr, "addr", defaultAddr, "listen address; port 0 picks a free port (the real URL is printed)")
	fs.Var(listFlag{&c.hashlists}, "hashlist", "hash list file to load (repeatable; default: the embedded demo list)")
	fs.Var(listFlag{&c.listKeys}, "list-key", "file of trusted ed25519 public keys (hex or base64 lines) for signed lists (repeatable)")
	fs.BoolVar(&c.allowUnsigned, "allow-unsigned-lists", false, "accept -hashlist files without a trusted signature (plain, CSV, TSV)")
	fs.StringVar(&c.store, "store", "", "state store: bolt:PATH or postgres://... (default: bbolt in a temporary directory)")
	fs.StringVar(&c.vaultDir, "vault", "", "evidence vault directory (default: next to the bolt file, or a temporary directory)")
	fs.StringVar(&c.vaultKeyFile, "vault-key-file", "", "file holding the vault's 32-byte AES key in hex (default: generated into the vault directory)")
	fs.Int64Var(&c.maxUploadBytes, "max-upload-bytes", defaultMaxUploadBytes, "largest request body accepted (larger: 413)")
	fs.Int64Var(&c.maxPixels, "max-pixels", defaultMaxPixels, "largest width*height decoded (larger: 422)")
	fs.IntVar(&c.maxDecodes, "max-decodes", runtime.GOMAXPROCS(0), "concurrent image decodes")
	fs.IntVar(&c.maxQueue, "max-queue", defaultMaxQueue, "uploads waiting for a decode slot before new ones get 503")
	fs.DurationVar(&c.decodeWait, "decode-wait", defaultDecodeWait, "longest wait for a decode slot before 503")
	fs.BoolVar(&c.dihedral, "pdq-dihedral", false, "also match rotated and flipped copies (the 8 PDQ dihedral variants)")
	jur := defaultJurisdictions
	fs.StringVar(&jur, "jurisdictions", defaultJurisdictions, "comma-separated jurisdictions of takedown cases (ISO 3166 codes or EU)")
	fs.StringVar(&c.reviewToken, "review-token", "", "token for the reviewer page /review (prefer the environment variable); empty: the page is off")
	fs.StringVar(&c.cybertipURL, "cybertip-url", "", "CyberTipline API base URL (default: the built-in fake agency)")
	fs.StringVar(&c.dsaURL, "dsa-url", "", "DSA Transparency Database API base URL (default: the built-in fake agency)")
	fs.StringVar(&c.reporterName, "reporter-name", "Demo Platform", "platform name in agency reports")
	fs.StringVar(&c.reporterEmail, "reporter-email", "trust-and-safety@example.com", "contact e-mail in agency reports")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "time allowed for in-flight requests on shutdown")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")

	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (all settings are flags)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	c.jurisdictions = nil
	for _, j := range strings.Split(jur, ",") {
		if j = strings.ToUpper(strings.TrimSpace(j)); j != "" {
			c.jurisdictions = append(c.jurisdictions, j)
		}
	}
	return c, c.validate()
}

func (c *config) validate() error {
	var errs []error
	if c.maxUploadBytes <= 0 {
		errs = append(errs, errors.New("-max-upload-bytes must be positive"))
	}
	if c.maxPixels <= 0 {
		errs = append(errs, errors.New("-max-pixels must be positive"))
	}
	if c.maxDecodes <= 0 {
		errs = append(errs, errors.New("-max-decodes must be positive"))
	}
	if c.maxQueue < 0 {
		errs = append(errs, errors.New("-max-queue must not be negative"))
	}
	if c.decodeWait < 0 {
		errs = append(errs, errors.New("-decode-wait must not be negative"))
	}
	if c.shutdownTimeout <= 0 {
		errs = append(errs, errors.New("-shutdown-timeout must be positive"))
	}
	if len(c.jurisdictions) == 0 {
		errs = append(errs, errors.New("-jurisdictions must name at least one jurisdiction"))
	}
	switch c.logFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat))
	}
	switch strings.ToLower(c.logLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("-log-level must be debug, info, warn or error, not %q", c.logLevel))
	}
	if c.store != "" {
		if _, _, err := parseStore(c.store); err != nil {
			errs = append(errs, err)
		}
	}
	for _, u := range []struct{ name, v string }{{"-cybertip-url", c.cybertipURL}, {"-dsa-url", c.dsaURL}} {
		if u.v != "" && !strings.HasPrefix(u.v, "http://") && !strings.HasPrefix(u.v, "https://") {
			errs = append(errs, fmt.Errorf("%s must be an http(s) URL", u.name))
		}
	}
	return errors.Join(errs...)
}

// storeKind says which backend -store selects.
type storeKind int

const (
	storeBolt storeKind = iota
	storePostgres
)

// parseStore splits -store into its kind and its path or URL. An empty value means
// bolt in a temporary directory (path "").
func parseStore(s string) (storeKind, string, error) {
	switch {
	case s == "":
		return storeBolt, "", nil
	case strings.HasPrefix(s, "bolt:"):
		p := strings.TrimPrefix(s, "bolt:")
		if p == "" {
			return 0, "", errors.New("-store bolt: needs a path (bolt:/var/lib/uploadscanner/state.db)")
		}
		return storeBolt, p, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		return storePostgres, s, nil
	}
	// Never echo the value: a mistyped postgres URL may hold a password.
	return 0, "", errors.New("-store must be bolt:PATH or a postgres:// URL")
}

// logAttrs returns the configuration for the startup log, without secrets.
func (c config) logAttrs() []any {
	kind, path, _ := parseStore(c.store)
	store := "bolt:" + path
	if path == "" {
		store = "bolt:(temporary)"
	}
	if kind == storePostgres {
		store = "postgres"
	}
	return []any{
		"addr", c.addr,
		"hashlists", len(c.hashlists),
		"store", store,
		"max_upload_bytes", c.maxUploadBytes,
		"max_pixels", c.maxPixels,
		"max_decodes", c.maxDecodes,
		"max_queue", c.maxQueue,
		"jurisdictions", strings.Join(c.jurisdictions, ","),
		"review_page", c.reviewToken != "",
		"cybertip", agencyTarget(c.cybertipURL),
		"dsa", agencyTarget(c.dsaURL),
	}
}

func agencyTarget(u string) string {
	if u == "" {
		return "built-in fake"
	}
	return "configured"
}

// itoa is strconv.Itoa for int64 values in messages.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
