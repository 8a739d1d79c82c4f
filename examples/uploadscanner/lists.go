package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// The embedded demo list and the demo public key that signs it (see
// internal/gendemo). The key is a published demo key: it is trusted for the
// embedded demo list only, never for -hashlist files.
//
//go:embed testdata/demo.mnrlist testdata/demo.mnrlist.sig testdata/demo-key.pub
var demoListFiles embed.FS

// listSet owns the hash lists: it reads them (the embedded demo list, or the
// -hashlist files), swaps them into the matcher atomically on reload, and matches
// hashing results against them. Safe for concurrent use; reloads are serialised
// and never block matching.
type listSet struct {
	cfg     config
	matcher *hashmatch.Matcher
	metrics *metrics
	log     *slog.Logger

	mu   sync.Mutex // serialises reloads
	info atomic.Pointer[[]listInfo]
}

// listInfo describes a loaded list: counts only, never hashes.
type listInfo struct {
	Name    string         `json:"name"`
	Source  string         `json:"source,omitempty"`
	Version string         `json:"version,omitempty"`
	Entries int            `json:"entries"`
	Kinds   map[string]int `json:"kinds"`
	// Signer is the ID of the key that verified the list; empty for an
	// unsigned list loaded with -allow-unsigned-lists.
	Signer string `json:"signer,omitempty"`
}

func newListSet(cfg config, m *metrics, log *slog.Logger) (*listSet, error) {
	if len(cfg.hashlists) > 0 && len(cfg.listKeys) == 0 && !cfg.allowUnsigned {
		return nil, errors.New("-hashlist files must be signed: give the publisher's key with -list-key, or pass -allow-unsigned-lists")
	}
	return &listSet{cfg: cfg, matcher: hashmatch.NewMatcher(&hashmatch.MatcherOptions{Logger: log}), metrics: m, log: log}, nil
}

func (l *listSet) loaded() bool { return l != nil && l.info.Load() != nil }

// lists returns what is loaded.
func (l *listSet) lists() []listInfo {
	if p := l.info.Load(); p != nil {
		return *p
	}
	return nil
}

// reload reads every list again and swaps them in at once; on any error the
// lists in use stay as they were.
func (l *listSet) reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	lists, err := l.read(ctx)
	if err == nil {
		err = l.matcher.Replace(lists...)
	}
	if err != nil {
		l.metrics.listReloads.WithLabelValues("error").Inc()
		return err
	}
	infos := make([]listInfo, 0, len(lists))
	l.metrics.listEntries.Reset()
	for _, list := range lists {
		st := hashmatch.Inspect(list)
		in := listInfo{Name: st.Name, Source: st.Source, Version: st.Version, Entries: st.Entries, Kinds: map[string]int{}, Signer: st.Signer}
		for _, k := range st.Kinds {
			in.Kinds[k.Kind.String()] = k.Entries
		}
		infos = append(infos, in)
		l.metrics.listEntries.WithLabelValues(in.Name).Set(float64(in.Entries))
		l.log.Info("hash list loaded", "list", in.Name, "entries", in.Entries, "signer", in.Signer)
	}
	l.metrics.listReloads.WithLabelValues("ok").Inc()
	l.info.Store(&infos)
	return nil
}

func (l *listSet) read(ctx context.Context) ([]*hashmatch.List, error) {
	if len(l.cfg.hashlists) == 0 {
		return l.demoList(ctx)
	}
	var keys []ed25519.PublicKey
	for _, path := range l.cfg.listKeys {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("-list-key: %w", err)
		}
		k, err := hashmatch.ParsePublicKeys(b)
		if err != nil {
			return nil, fmt.Errorf("-list-key %s: %w", path, err)
		}
		keys = append(keys, k...)
	}
	var lists []*hashmatch.List
	for _, path := range l.cfg.hashlists {
		// With keys, every list must verify (an unsigned one is
		// ErrUntrusted); without, -allow-unsigned-lists was given.
		list, err := hashmatch.ReadListFile(ctx, path, &hashmatch.ReadOptions{TrustedKeys: keys, Logger: l.log})
		if err != nil {
			return nil, fmt.Errorf("hash list %s: %w", path, err)
		}
		lists = append(lists, list)
	}
	return lists, nil
}

// demoList reads the embedded demo list, verified against the demo key.
func (l *listSet) demoList(ctx context.Context) ([]*hashmatch.List, error) {
	data, err := demoListFiles.ReadFile("testdata/demo.mnrlist")
	if err != nil {
		return nil, err
	}
	sig, err := demoListFiles.ReadFile("testdata/demo.mnrlist.sig")
	if err != nil {
		return nil, err
	}
	pub, err := demoListFiles.ReadFile("testdata/demo-key.pub")
	if err != nil {
		return nil, err
	}
	keys, err := hashmatch.ParsePublicKeys(pub)
	if err != nil {
		return nil, err
	}
	list, err := hashmatch.ReadListContext(ctx, bytes.NewReader(data), &hashmatch.ReadOptions{TrustedKeys: keys, Signature: sig, Logger: l.log})
	if err != nil {
		return nil, fmt.Errorf("embedded demo list: %w", err)
	}
	return []*hashmatch.List{list}, nil
}

// match returns the matches of a hashing result (sorted by distance, then list,
// kind and entry) and whether the PDQ query was of low quality.
func (l *listSet) match(res *hashmatch.Result) ([]matchView, bool) {
	q := hashmatch.Query{Hashes: res.Hashes, PDQQuality: hashmatch.QualityUnknown, PDQDihedral: res.PDQDihedral}
	if _, ok := res.Get(hashmatch.KindPDQ); ok {
		q.PDQQuality = res.PDQQuality
	}
	mr, err := l.matcher.Match(q)
	if err != nil {
		l.log.Error("match", "err", err)
		return nil, false
	}
	out := make([]matchView, 0, len(mr.Matches))
	for _, m := range mr.Matches {
		out = append(out, matchView{List: m.List, Entry: m.Entry, Kind: m.Kind.String(), Distance: m.Distance, Codes: m.Codes, Variant: m.Variant})
	}
	return out, mr.LowQuality
}
