package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the service's Prometheus metrics on a registry of its own (never
// the global default). The names are documented in doc.go.
type metrics struct {
	reg *prometheus.Registry

	scans         *prometheus.CounterVec   // decision
	matches       *prometheus.CounterVec   // list, kind
	rejected      *prometheus.CounterVec   // code: too_large, too_many_pixels, ...
	decodeErrors  *prometheus.CounterVec   // reason: corrupt_image, unsupported_format, too_many_pixels
	casesOpened   prometheus.Counter       //
	deadlineDue   *prometheus.CounterVec   // duty
	deadlineMiss  *prometheus.CounterVec   // duty
	reportsDone   *prometheus.CounterVec   // agency, state
	listReloads   *prometheus.CounterVec   // result
	scanSeconds   *prometheus.HistogramVec // decision
	hashSeconds   prometheus.Histogram     //
	httpSeconds   *prometheus.HistogramVec // route, code
	listEntries   *prometheus.GaugeVec     // list
	decodesBusy   prometheus.GaugeFunc
	decodesQueued prometheus.GaugeFunc
}

const ns = "uploadscanner"

func newMetrics(g *gate) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.scans = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "scans_total",
		Help: "Uploads scanned to a decision, by decision (allow, quarantine, block)."}, []string{"decision"})
	m.matches = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "matches_total",
		Help: "Hash list matches, by list and hash kind."}, []string{"list", "kind"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "rejected_total",
		Help: "Uploads refused before a decision, by error code."}, []string{"code"})
	m.decodeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "decode_errors_total",
		Help: "Uploads that could not be decoded, by reason."}, []string{"reason"})
	m.casesOpened = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "cases_opened_total",
		Help: "Takedown cases opened for matches."})
	m.deadlineDue = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "case_deadlines_due_total",
		Help: "Case deadlines that fell due while still open, by duty."}, []string{"duty"})
	m.deadlineMiss = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "case_deadlines_breached_total",
		Help: "Case deadlines breached, by duty."}, []string{"duty"})
	m.reportsDone = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "reports_finished_total",
		Help: "Agency reports that reached a terminal state, by agency and state."}, []string{"agency", "state"})
	m.listReloads = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "hashlist_reloads_total",
		Help: "Hash list reloads, by result (ok, error)."}, []string{"result"})
	m.scanSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "scan_duration_seconds",
		Help:    "Time from receiving an upload to its decision, by decision.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"decision"})
	m.hashSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "hash_duration_seconds",
		Help:    "Time to decode and hash one upload.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}})
	m.httpSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "http_request_duration_seconds",
		Help:    "HTTP request latency, by route pattern and status code.",
		Buckets: prometheus.DefBuckets}, []string{"route", "code"})
	m.listEntries = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "hashlist_entries",
		Help: "Entries in each loaded hash list."}, []string{"list"})
	m.decodesBusy = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "decodes_in_progress",
		Help: "Uploads being decoded and hashed now."}, func() float64 { return float64(g.busy.Load()) })
	m.decodesQueued = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "decodes_queued",
		Help: "Uploads admitted and waiting for a decode slot."}, func() float64 { return float64(max(g.queued(), 0)) })
	m.reg.MustRegister(m.scans, m.matches, m.rejected, m.decodeErrors, m.casesOpened, m.deadlineDue,
		m.deadlineMiss, m.reportsDone, m.listReloads, m.scanSeconds, m.hashSeconds, m.httpSeconds,
		m.listEntries, m.decodesBusy, m.decodesQueued,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Pre-create the decision series so a dashboard sees zeros, not gaps.
	for _, d := range []string{decisionAllow, decisionQuarantine, decisionBlock} {
		m.scans.WithLabelValues(d)
	}
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
