package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/evidence"
)

// server holds the service's parts. run builds it from the configuration and
// newHandler serves it; tests build it the same way with buildServer.
type server struct {
	cfg     config
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	gate    *gate
	ready   atomic.Bool
	ping    func(ctx context.Context) error
	review  *reviewAuth // nil: the reviewer page is off
	records recordStore
	lists   *listSet
	pages   *pages
	hasher  *uploadHasher
	vault   *evidence.Vault
	engine  *takedown.Engine
	outbox  *reporting.Outbox
	// agencies are the outbox destinations, by agency name.
	agencies map[string]bool
	// follow wakes followReports early (after a review or a submission).
	follow chan struct{}
}

// Decisions, the "decision" field of a scan answer.
const (
	decisionAllow      = "allow"      // no match
	decisionQuarantine = "quarantine" // perceptual match only: held for a reviewer
	decisionBlock      = "block"      // the exact file is on a list: refused
)

// matchView is one match as the API and the reviewer page show it.
type matchView struct {
	List     string   `json:"list"`
	Entry    string   `json:"entry"`
	Kind     string   `json:"kind"`
	Distance int      `json:"distance"`
	Codes    []string `json:"codes"`
	// Variant is the dihedral variant of the upload that matched (0: as
	// uploaded; 1-7: rotated or flipped), with -pdq-dihedral.
	Variant int `json:"variant,omitempty"`
}
