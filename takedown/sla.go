package takedown

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SLAGroup holds the figures for one jurisdiction, trigger, category and duty. The
// jurisdiction is that of the rule that set each deadline.
type SLAGroup struct {
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	Trigger      Trigger      `json:"trigger"`
	Category     string       `json:"category"`
	Duty         Duty         `json:"duty"`
	// Done counts deadlines whose duty was done (in time or late); MetInTime those done
	// by their due time.
	Done      int `json:"done"`
	MetInTime int `json:"met_in_time"`
	// Breaches counts deadlines done late, recorded as breached, or still open past due.
	Breaches int `json:"breaches"`
	// Open counts deadlines still running or pending; Waived those closed undone.
	Open   int `json:"open"`
	Waived int `json:"waived"`
	// P50, P90 and P99 are the times from each clock start to the duty being done, over
	// Done deadlines, by the nearest-rank method: the value at rank ceil(p/100 * n) of
	// the sorted times. Zero when Done is 0.
	P50 time.Duration `json:"p50"`
	P90 time.Duration `json:"p90"`
	P99 time.Duration `json:"p99"`
}

// SLAReport is a transparency-report style summary of cases matching a filter: counts
// of notices by trigger and category, actions taken, automated detections (DSA Art. 15
// and Art. 24 style counts), the median time from trigger to first action, and the
// per-duty figures.
type SLAReport struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Cases counts the matching cases.
	Cases int `json:"cases"`
	// ByTrigger counts cases per trigger (notices by type); ByCategory per category
	// code ("" for unclassified); ByJurisdiction per jurisdiction considered.
	ByTrigger      map[Trigger]int      `json:"by_trigger"`
	ByCategory     map[string]int       `json:"by_category"`
	ByJurisdiction map[Jurisdiction]int `json:"by_jurisdiction"`
	// ByAction counts cases per action taken (removed, access_disabled, geo_blocked).
	ByAction map[EventType]int `json:"by_action"`
	// Automated counts cases opened by the provider's own detection.
	Automated int `json:"automated"`
	// Actioned counts cases with at least one action; MedianTimeToAction is the
	// nearest-rank median over them of FirstActionAt - TriggerAt.
	Actioned           int           `json:"actioned"`
	MedianTimeToAction time.Duration `json:"median_time_to_action"`
	// Groups are sorted by jurisdiction, trigger, category and duty.
	Groups []SLAGroup `json:"groups"`
}

// percentile returns the nearest-rank p-th percentile of sorted xs.
func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(xs))))
	return xs[min(max(rank, 1), len(xs))-1]
}

// SLA computes the figures over every case matching f (f.After and f.Limit are
// ignored). It reads every case once.
func (e *Engine) SLA(ctx context.Context, f Filter) (*SLAReport, error) {
	now := e.now().UTC()
	r := &SLAReport{GeneratedAt: now, ByTrigger: map[Trigger]int{}, ByCategory: map[string]int{},
		ByJurisdiction: map[Jurisdiction]int{}, ByAction: map[EventType]int{}, Groups: []SLAGroup{}}
	type key struct {
		j Jurisdiction
		t Trigger
		c string
		d Duty
	}
	groups := map[key]*SLAGroup{}
	times := map[key][]time.Duration{}
	var toAction []time.Duration
	after := ""
	for {
		page, err := e.store.Scan(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if !f.match(c) {
				continue
			}
			r.Cases++
			r.ByTrigger[c.Notice.Trigger]++
			r.ByCategory[c.Notice.Category]++
			for _, j := range c.Jurisdictions {
				r.ByJurisdiction[j]++
			}
			if c.Notice.Trigger == TriggerOwnDetection {
				r.Automated++
			}
			for _, a := range c.Actions {
				r.ByAction[a]++
			}
			if !c.FirstActionAt.IsZero() {
				r.Actioned++
				toAction = append(toAction, c.FirstActionAt.Sub(c.TriggerAt))
			}
			for _, d := range c.Deadlines {
				k := key{d.Rule.Jurisdiction, c.Notice.Trigger, c.Notice.Category, d.Duty}
				g := groups[k]
				if g == nil {
					g = &SLAGroup{Jurisdiction: k.j, Trigger: k.t, Category: k.c, Duty: k.d}
					groups[k] = g
				}
				switch {
				case d.MetBy != "":
					g.Done++
					times[k] = append(times[k], d.MetAt.Sub(d.Start))
					if d.State == DeadlineMet {
						g.MetInTime++
					} else {
						g.Breaches++
					}
				case d.State == DeadlineBreached:
					g.Breaches++
				case d.State == DeadlineWaived:
					g.Waived++
				default:
					g.Open++
					if d.State == DeadlineOpen && now.After(d.Due) {
						g.Breaches++
					}
				}
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	slices.Sort(toAction)
	r.MedianTimeToAction = percentile(toAction, 50)
	for k, g := range groups {
		ts := times[k]
		slices.Sort(ts)
		g.P50, g.P90, g.P99 = percentile(ts, 50), percentile(ts, 90), percentile(ts, 99)
		r.Groups = append(r.Groups, *g)
	}
	slices.SortFunc(r.Groups, func(a, b SLAGroup) int {
		return cmp.Or(cmp.Compare(a.Jurisdiction, b.Jurisdiction), cmp.Compare(a.Trigger, b.Trigger),
			cmp.Compare(a.Category, b.Category), cmp.Compare(a.Duty, b.Duty))
	})
	return r, nil
}

// WriteJSON writes the report as indented JSON; durations are in nanoseconds.
func (r *SLAReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// CSVHeader is the header row of WriteCSV.
const CSVHeader = "jurisdiction,trigger,category,duty,done,met_in_time,breaches,open,waived,p50_seconds,p90_seconds,p99_seconds"

// WriteCSV writes one row per group under CSVHeader; times are in seconds.
func (r *SLAReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(CSVHeader, ",")); err != nil {
		return err
	}
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
	for _, g := range r.Groups {
		row := []string{string(g.Jurisdiction), string(g.Trigger), g.Category, string(g.Duty),
			strconv.Itoa(g.Done), strconv.Itoa(g.MetInTime), strconv.Itoa(g.Breaches), strconv.Itoa(g.Open),
			strconv.Itoa(g.Waived), secs(g.P50), secs(g.P90), secs(g.P99)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
