package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.etcd.io/bbolt"

	"github.com/mnr-sdk/mnr/hashmatch"
	"github.com/mnr-sdk/mnr/internal/agencytest"
	"github.com/mnr-sdk/mnr/reporting"
	rpbolt "github.com/mnr-sdk/mnr/reporting/boltstore"
	"github.com/mnr-sdk/mnr/reporting/cybertip"
	"github.com/mnr-sdk/mnr/reporting/dsa"
	rppg "github.com/mnr-sdk/mnr/reporting/pgstore"
	"github.com/mnr-sdk/mnr/takedown"
	tdbolt "github.com/mnr-sdk/mnr/takedown/boltstore"
	"github.com/mnr-sdk/mnr/takedown/evidence"
	tdpg "github.com/mnr-sdk/mnr/takedown/pgstore"
)

// services are the long-running parts beside the HTTP server, and what must be
// closed after them.
type services struct {
	workers []func(ctx context.Context) error // each runs until ctx ends
	closers []func() error                    // run in reverse order
}

func (sv *services) onClose(f func() error) { sv.closers = append(sv.closers, f) }

func (sv *services) close() error {
	var errs []error
	for i := len(sv.closers) - 1; i >= 0; i-- {
		errs = append(errs, sv.closers[i]())
	}
	return errors.Join(errs...)
}

// buildServer wires every mnr package into a server: the state store (one bbolt
// file, or one PostgreSQL pool, shared by takedown, the report outbox and the scan
// records), the evidence vault, the hasher and the hash lists, the agency drivers
// and the outbox, and the takedown engine. On error everything built so far is
// closed.
func buildServer(ctx context.Context, cfg config, log *slog.Logger, getenv func(string) string) (_ *server, _ *services, err error) {
	sv := &services{}
	defer func() {
		if err != nil {
			sv.close()
		}
	}()
	var s *server
	s = &server{cfg: cfg, log: log, now: time.Now, follow: make(chan struct{}, 1)}
	s.gate = newGate(cfg.maxDecodes, cfg.maxQueue, cfg.decodeWait)
	s.metrics = newMetrics(s.gate)
	if s.pages, err = parsePages(); err != nil {
		return nil, nil, err
	}
	if cfg.reviewToken != "" {
		s.review = newReviewAuth(cfg.reviewToken, s.now)
	}

	// State: takedown cases, the report outbox and the scan records share one
	// database.
	kind, path, _ := parseStore(cfg.store)
	var tdStore takedown.Store
	var rpStore reporting.Store
	stateDir := ""
	switch kind {
	case storeBolt:
		if path == "" {
			// The quick start: everything in a temporary directory that is
			// removed on exit, so quarantined bytes never linger in /tmp.
			tmp, err := os.MkdirTemp("", "uploadscanner-")
			if err != nil {
				return nil, nil, err
			}
			sv.onClose(func() error { return os.RemoveAll(tmp) })
			path = filepath.Join(tmp, "state.db")
			log.Info("state in a temporary directory, removed on exit", "dir", tmp)
		}
		stateDir = filepath.Dir(path)
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			return nil, nil, fmt.Errorf("open bolt store: %w", err)
		}
		sv.onClose(db.Close)
		if tdStore, err = tdbolt.New(db, nil); err != nil {
			return nil, nil, fmt.Errorf("takedown store: %w", err)
		}
		if rpStore, err = rpbolt.New(db, nil); err != nil {
			return nil, nil, fmt.Errorf("outbox store: %w", err)
		}
		if s.records, err = newBoltRecords(db); err != nil {
			return nil, nil, err
		}
		s.ping = func(ctx context.Context) error {
			return db.View(func(tx *bbolt.Tx) error { return nil })
		}
	case storePostgres:
		pool, err := pgxpool.New(ctx, path)
		if err != nil {
			return nil, nil, errors.New("postgres: bad URL or settings") // never echo the URL
		}
		sv.onClose(func() error { pool.Close(); return nil })
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := pool.Ping(pctx); err != nil {
			return nil, nil, fmt.Errorf("postgres: %w", err)
		}
		if tdStore, err = tdpg.New(pctx, pool, nil); err != nil {
			return nil, nil, fmt.Errorf("takedown store: %w", err)
		}
		if rpStore, err = rppg.New(pctx, pool, nil); err != nil {
			return nil, nil, fmt.Errorf("outbox store: %w", err)
		}
		if s.records, err = newPGRecords(pctx, pool); err != nil {
			return nil, nil, err
		}
		s.ping = pool.Ping
	}
	sv.onClose(tdStore.Close)
	sv.onClose(rpStore.Close)

	// The evidence vault.
	vaultDir := cfg.vaultDir
	if vaultDir == "" {
		if stateDir == "" {
			tmp, err := os.MkdirTemp("", "uploadscanner-vault-")
			if err != nil {
				return nil, nil, err
			}
			sv.onClose(func() error { return os.RemoveAll(tmp) })
			stateDir = tmp
			log.Warn("no -vault with a postgres store: evidence is kept in a temporary directory and deleted on exit", "dir", tmp)
		}
		vaultDir = filepath.Join(stateDir, "vault")
	}
	keyFile := cfg.vaultKeyFile
	if keyFile == "" {
		keyFile = vaultDir + ".key"
	}
	kr, err := loadVaultKeys(keyFile, log)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(vaultDir, 0o700); err != nil {
		return nil, nil, err
	}
	backend, err := evidence.NewDirBackend(vaultDir)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence vault: %w", err)
	}
	if s.vault, err = evidence.New(backend, kr, &evidence.Options{Logger: log, Actor: "uploadscanner", MaxBytes: cfg.maxUploadBytes}); err != nil {
		return nil, nil, fmt.Errorf("evidence vault: %w", err)
	}
	sv.onClose(s.vault.Close)

	// Hashing and the lists.
	s.hasher = newUploadHasher(cfg)
	if s.lists, err = newListSet(cfg, s.metrics, log); err != nil {
		return nil, nil, err
	}
	if err := s.lists.reload(ctx); err != nil {
		return nil, nil, err
	}

	// Agencies: the configured endpoints, or the built-in fakes so the whole flow
	// runs offline.
	dests, err := s.buildAgencies(ctx, cfg, getenv, log, sv)
	if err != nil {
		return nil, nil, err
	}
	s.agencies = map[string]bool{}
	for _, d := range dests {
		s.agencies[d.Agency.Name()] = true
	}
	s.outbox, err = reporting.NewOutbox(rpStore, dests, &reporting.OutboxOptions{
		Files:        vaultFiles{s.vault},
		Logger:       log,
		PollInterval: 250 * time.Millisecond,
		RetryBackoff: 5 * time.Second,
		Hooks: reporting.Hooks{
			OnSubmitted: func(context.Context, *reporting.Submission) { s.pokeFollower() },
			OnTransition: func(_ context.Context, sub *reporting.Submission, _, to reporting.State) {
				if to.Terminal() {
					s.metrics.reportsDone.WithLabelValues(sub.Agency, string(to)).Inc()
				}
			},
		},
	})
	if err != nil {
		return nil, nil, err
	}
	s.metrics.reg.MustRegister(newOutboxCollector(s.outbox))
	if err := s.checkReports(ctx, dests); err != nil {
		return nil, nil, err
	}

	s.engine, err = takedown.NewEngine(tdStore, nil, &takedown.Options{
		Logger: log,
		Hooks: takedown.Hooks{
			OnDue: func(ctx context.Context, f takedown.Firing) {
				s.metrics.deadlineDue.WithLabelValues(string(f.Deadline.Duty)).Inc()
				log.WarnContext(ctx, "case deadline due", "case_id", f.Case.ID, "deadline", f.Deadline.ID)
			},
			OnBreach: func(ctx context.Context, f takedown.Firing) {
				s.metrics.deadlineMiss.WithLabelValues(string(f.Deadline.Duty)).Inc()
				log.ErrorContext(ctx, "case deadline breached", "case_id", f.Case.ID, "deadline", f.Deadline.ID)
			},
		},
	})
	if err != nil {
		return nil, nil, err
	}
	sv.workers = append(sv.workers, s.engine.Run, s.outbox.Run, s.followReports)
	return s, sv, nil
}

// agencies builds the CyberTipline and DSA destinations. An agency without a
// configured URL talks to a built-in fake served on a loopback port.
// Credentials come from the environment only (never flags, which show in ps):
// UPLOADSCANNER_CYBERTIP_USERNAME, UPLOADSCANNER_CYBERTIP_PASSWORD,
// UPLOADSCANNER_DSA_TOKEN.
func (s *server) buildAgencies(ctx context.Context, cfg config, getenv func(string) string, log *slog.Logger, sv *services) ([]reporting.Destination, error) {
	copts := func() *reporting.ClientOptions {
		return &reporting.ClientOptions{Logger: log, InitialBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second}
	}
	var dests []reporting.Destination

	ctURL := cfg.cybertipURL
	ctUser, ctPass := getenv(envPrefix+"CYBERTIP_USERNAME"), getenv(envPrefix+"CYBERTIP_PASSWORD")
	if ctURL == "" {
		fake := agencytest.NewCyberTipHandler(nil)
		addr, err := serveFake(fake, sv)
		if err != nil {
			return nil, err
		}
		ctURL = "http://" + addr + "/ispws"
		ctUser, ctPass = fake.Credentials()
		log.Info("CyberTipline: built-in fake agency", "url", ctURL)
	}
	ctClient, err := cybertip.NewClient(ctURL, ctUser, ctPass, copts())
	if err != nil {
		return nil, fmt.Errorf("cybertip client: %w", err)
	}
	dests = append(dests, reporting.Destination{Agency: cybertip.New(&cybertip.Options{Logger: log}), Client: ctClient})

	dsaURL, dsaToken := cfg.dsaURL, getenv(envPrefix+"DSA_TOKEN")
	if dsaURL == "" {
		fake := agencytest.NewDSAHandler(&agencytest.DSAOptions{PlatformName: cfg.reporterName})
		addr, err := serveFake(fake, sv)
		if err != nil {
			return nil, err
		}
		dsaURL, dsaToken = "http://"+addr, fake.Token()
		log.Info("DSA Transparency Database: built-in fake agency", "url", dsaURL)
	}
	dsaClient, err := dsa.NewClient(dsaURL, func() (string, error) { return dsaToken, nil }, copts())
	if err != nil {
		return nil, fmt.Errorf("dsa client: %w", err)
	}
	dests = append(dests, reporting.Destination{Agency: dsa.New(&dsa.Options{Logger: log}), Client: dsaClient})
	return dests, nil
}

// serveFake serves a fake agency on a free loopback port until the service closes.
func serveFake(h http.Handler, sv *services) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	sv.onClose(srv.Close)
	return ln.Addr().String(), nil
}

// vaultFiles lets agencies upload quarantined files: ContentItem.Source is the
// vault digest.
type vaultFiles struct{ v *evidence.Vault }

func (f vaultFiles) Open(ctx context.Context, ref string) (io.ReadCloser, error) {
	d, err := evidence.ParseDigest(ref)
	if err != nil {
		return nil, err
	}
	return f.v.Open(ctx, d)
}

// loadVaultKeys reads the vault key file, creating it with fresh random keys if
// it does not exist. The format is one key per line, "naming HEX" once and
// "key ID HEX" for each encryption key, the first being the active one; blank
// lines and lines starting with # are ignored. Keep the file secret and backed
// up: without it the vault cannot be read.
func loadVaultKeys(path string, log *slog.Logger) (*evidence.Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		naming, enc := make([]byte, evidence.KeySize), make([]byte, evidence.KeySize)
		_, _ = rand.Read(naming)
		_, _ = rand.Read(enc)
		content := "# uploadscanner evidence vault keys: keep secret, back up with the vault\n" +
			"naming " + hex.EncodeToString(naming) + "\n" +
			"key k1 " + hex.EncodeToString(enc) + "\n"
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return nil, fmt.Errorf("write vault key file: %w", err)
		}
		log.Warn("generated new evidence vault keys; back up the key file with the vault", "path", path)
		b = []byte(content)
	} else if err != nil {
		return nil, fmt.Errorf("read vault key file: %w", err)
	}
	var naming []byte
	var keys []evidence.Key
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := fmt.Errorf("vault key file %s line %d: want \"naming HEX\" or \"key ID HEX\"", path, i+1)
		switch {
		case f[0] == "naming" && len(f) == 2:
			if naming, err = hex.DecodeString(f[1]); err != nil {
				return nil, bad
			}
		case f[0] == "key" && len(f) == 3:
			secret, err := hex.DecodeString(f[2])
			if err != nil {
				return nil, bad
			}
			keys = append(keys, evidence.Key{ID: f[1], Secret: secret})
		default:
			return nil, bad
		}
	}
	if naming == nil || len(keys) == 0 {
		return nil, fmt.Errorf("vault key file %s needs a naming line and at least one key line", path)
	}
	kr, err := evidence.NewKeyring(naming, keys[0], keys[1:]...)
	if err != nil {
		return nil, fmt.Errorf("vault key file %s: %w", path, err)
	}
	return kr, nil
}

// checkReports drafts a report for the embedded demo image to every agency and
// validates it, so that a configuration the agencies would refuse (say a bad
// -reporter-email) stops the service at startup rather than failing each match.
func (s *server) checkReports(ctx context.Context, dests []reporting.Destination) error {
	img, err := demoImage(demoKnown)
	if err != nil {
		return err
	}
	res, err := hashmatch.NewHasher(nil).Hash(ctx, bytes.NewReader(img))
	if err != nil {
		return err
	}
	now := s.now()
	c := &takedown.Case{ID: "startup-check", Notice: takedown.Notice{Category: "csam"}}
	rec := &scanRecord{CaseID: c.ID, ScanID: "startup-check", At: now.Add(-time.Second), Decision: decisionBlock,
		Evidence: evidence.Sum(img).String(), Format: "png", Size: int64(len(img)),
		Matches: []matchView{{List: "demo", Entry: "demo-0001", Kind: "sha256", Codes: []string{"csam"}}}}
	var errs []error
	for _, d := range dests {
		r := s.draftReport(d.Agency.Name(), c, rec, res, now)
		if err := reporting.Blocking(reporting.ValidateFor(d.Agency, r)); err != nil {
			errs = append(errs, fmt.Errorf("%s reports would be refused (check -reporter-name, -reporter-email): %w", d.Agency.Name(), err))
		}
	}
	return errors.Join(errs...)
}
