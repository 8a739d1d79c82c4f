package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mnr-sdk/mnr/reporting"
)

// outboxCollector reports the outbox depth at scrape time: submissions per
// non-final state (and failed ones, which need a human), read from the store so
// every replica reports the same figure. Counting stops at maxOutboxCount per state.
type outboxCollector struct {
	ob   *reporting.Outbox
	desc *prometheus.Desc
}

const maxOutboxCount = 10000

func newOutboxCollector(ob *reporting.Outbox) *outboxCollector {
	return &outboxCollector{ob: ob, desc: prometheus.NewDesc(ns+"_outbox_submissions",
		"Report submissions in the outbox by state (review, pending, in_progress, unknown, failed); capped at 10000.",
		[]string{"state"}, nil)}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, st := range []reporting.State{reporting.StateReview, reporting.StatePending, reporting.StateInProgress,
		reporting.StateUnknown, reporting.StateFailed} {
		n, after := 0, ""
		for n < maxOutboxCount {
			page, err := c.ob.List(ctx, reporting.Query{State: st, After: after, Limit: 1000})
			if err != nil {
				ch <- prometheus.NewInvalidMetric(c.desc, err)
				return
			}
			n += len(page)
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].ID
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), string(st))
	}
}
