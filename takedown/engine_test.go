package takedown_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
)

var t0 = time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time                             { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)                            { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration)                        { c.Set(c.Now().Add(d)) }
func newClock(t time.Time) *clock                           { return &clock{t: t} }
func js(j ...takedown.Jurisdiction) []takedown.Jurisdiction { return j }

func newEngine(t *testing.T, p *takedown.Policy, o *takedown.Options) *takedown.Engine {
	t.Helper()
	e, err := takedown.NewEngine(takedown.NewMemStore(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func resolve(t *testing.T, p *takedown.Policy, n takedown.Notice) map[string]takedown.Deadline {
	t.Helper()
	if n.ReceivedAt.IsZero() {
		n.ReceivedAt = t0
	}
	out := map[string]takedown.Deadline{}
	for _, d := range p.Resolve(n).Deadlines {
		out[d.ID] = d
	}
	return out
}

func TestDefaultPolicy(t *testing.T) {
	p := takedown.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[takedown.Jurisdiction]bool{}
	for _, r := range p.Rules {
		seen[r.Jurisdiction] = true
		if r.Citation == "" || r.Regime == "" {
			t.Errorf("rule %s lacks a citation or regime", r.ID)
		}
	}
	for _, j := range js("US", "EU", "GB", "DE", "FR", "AU", "CA", "IN", "BR") {
		if !seen[j] {
			t.Errorf("no rule for %s", j)
		}
	}
	// Each call is a fresh copy.
	p.Rules[0].Citation = "changed"
	if takedown.DefaultPolicy().Rules[0].Citation == "changed" {
		t.Fatal("DefaultPolicy shares state between calls")
	}
	// The uncertain values of reference §1.1 are flagged.
	for _, id := range []string{"gb.si2026-268.report-p1", "gb.intimate-image.48h", "in.it-rules.3-1-d.3h",
		"in.it-rules.3-2-b.2h", "eu.interim-2021-1232.report", "de.netzdg3.manifest-24h", "eu.tco.remove"} {
		r, ok := p.Rule(id)
		if !ok || !r.Uncertain {
			t.Errorf("rule %s missing or not flagged uncertain", id)
		}
	}
}

func TestResolve(t *testing.T) {
	p := takedown.DefaultPolicy()
	tests := []struct {
		name   string
		notice takedown.Notice
		want   map[string]string // deadline ID -> rule ID
		dur    map[string]time.Duration
	}{
		{
			name:   "US and GB hash match",
			notice: takedown.Notice{Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("US", "GB"), Category: "csam"},
			want:   map[string]string{"report:NCMEC": "us.2258a.report", "report:NCA": "gb.si2026-268.report-p1", "remove": "gb.osa10.illegal-content"},
			dur:    map[string]time.Duration{"report:NCA": 15 * time.Minute, "report:NCMEC": 24 * time.Hour},
		},
		{
			name:   "priority 3 uses the P3 clock",
			notice: takedown.Notice{Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("GB"), Category: "grooming", Priority: 3},
			want:   map[string]string{"report:NCA": "gb.si2026-268.report-p3", "remove": "gb.osa10.illegal-content"},
			dur:    map[string]time.Duration{"report:NCA": 24 * time.Hour},
		},
		{
			name:   "category outside a rule's codes",
			notice: takedown.Notice{Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("US"), Category: "sexual_content_to_child"},
			want:   map[string]string{},
		},
		{
			name:   "tie on 24 h: primary beats secondary",
			notice: takedown.Notice{Trigger: takedown.TriggerAuthorityOrder, Jurisdictions: js("FR", "AU"), Category: "csam"},
			want: map[string]string{"remove": "au.osa2021.removal-notice", // FR includes EU:
				"notify_uploader@actioned": "eu.dsa17.statement-of-reasons", "report:DSA-TDB@actioned": "eu.dsa24-5.transparency-db"},
			dur: map[string]time.Duration{"remove": 24 * time.Hour},
		},
		{
			name:   "DE includes EU; NetzDG 24 h is strictest for CSAM",
			notice: takedown.Notice{Trigger: takedown.TriggerUserNotice, Jurisdictions: js("DE"), Category: "csam"},
			want: map[string]string{"disable_access": "de.netzdg3.manifest-24h", "notify_notifier": "eu.dsa16-5.notify-notifier",
				"notify_uploader@actioned": "eu.dsa17.statement-of-reasons", "report:DSA-TDB@actioned": "eu.dsa24-5.transparency-db"},
			dur: map[string]time.Duration{"disable_access": 24 * time.Hour, "notify_uploader@actioned": time.Hour},
		},
		{
			name: "India before the 2026 amendment: 36 h",
			notice: takedown.Notice{Trigger: takedown.TriggerAuthorityOrder, Jurisdictions: js("IN"),
				ReceivedAt: time.Date(2026, time.January, 10, 0, 0, 0, 0, time.UTC)},
			want: map[string]string{"disable_access": "in.it-rules.3-1-d.36h"},
			dur:  map[string]time.Duration{"disable_access": 36 * time.Hour},
		},
		{
			name:   "India after the 2026 amendment: 3 h",
			notice: takedown.Notice{Trigger: takedown.TriggerAuthorityOrder, Jurisdictions: js("IN")},
			want:   map[string]string{"disable_access": "in.it-rules.3-1-d.3h"},
			dur:    map[string]time.Duration{"disable_access": 3 * time.Hour},
		},
		{
			name: "order with its own deadline (UK s.121)",
			notice: takedown.Notice{Trigger: takedown.TriggerAuthorityOrder, Jurisdictions: js("GB"), Category: "csam",
				DueBy: t0.Add(6 * time.Hour)},
			want: map[string]string{"remove": "gb.osa121.accredited-technology", "report:NCA": "gb.si2026-268.report-p1"},
			dur:  map[string]time.Duration{"remove": 6 * time.Hour},
		},
		{
			name:   "US preservation request",
			notice: takedown.Notice{Trigger: takedown.TriggerPreservationRequest, Jurisdictions: js("US")},
			want:   map[string]string{"preserve": "us.2703f.preserve"},
		},
		{
			name:   "EU priority 1 must inform authorities promptly",
			notice: takedown.Notice{Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("EU"), Category: "csam", Priority: 1},
			want:   map[string]string{"report:LAW-ENFORCEMENT": "eu.dsa18.inform-authorities", "notify_uploader@actioned": "eu.dsa17.statement-of-reasons", "report:DSA-TDB@actioned": "eu.dsa24-5.transparency-db"},
			dur:    map[string]time.Duration{"report:LAW-ENFORCEMENT": time.Hour},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(t, p, tc.notice)
			ids := map[string]string{}
			for id, d := range got {
				ids[id] = d.Rule.ID
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Fatalf("deadlines %v, want %v", ids, tc.want)
			}
			for id, want := range tc.dur {
				if got[id].Duration != want {
					t.Errorf("%s: %v, want %v", id, got[id].Duration, want)
				}
			}
		})
	}
	fr := resolve(t, p, tests[3].notice)["remove"]
	if !slices.Contains(fr.Also, "fr.lcen6-1.ofac-24h") {
		t.Fatalf("tie loser not listed in Also: %v", fr.Also)
	}
}

func TestPolicyOverrides(t *testing.T) {
	p := takedown.DefaultPolicy()
	if err := p.SetVague("immediately", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	n := takedown.Notice{Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("GB"), Category: "csam"}
	if d := resolve(t, p, n)["report:NCA"]; d.Duration != 5*time.Minute || !d.Rule.Operational {
		t.Fatalf("after SetVague: %v operational=%v", d.Duration, d.Rule.Operational)
	}
	if err := p.Override("gb.si2026-268.report-p1", func(r *takedown.Rule) { r.Deadline = 2 * time.Hour; r.Uncertain = false }); err != nil {
		t.Fatal(err)
	}
	if d := resolve(t, p, n)["report:NCA"]; d.Duration != 2*time.Hour || d.Rule.Operational || d.Rule.Uncertain {
		t.Fatalf("after Override: %+v", d)
	}
	if err := p.Override("nope", func(*takedown.Rule) {}); !errors.Is(err, takedown.ErrNotFound) {
		t.Fatalf("Override(unknown) = %v", err)
	}
	if err := p.Override("us.2258a.report", func(r *takedown.Rule) { r.Categories = []string{"not-a-code"} }); !errors.Is(err, takedown.ErrInvalid) {
		t.Fatalf("Override with an unknown category = %v, want ErrInvalid", err)
	}
	if r, _ := p.Rule("us.2258a.report"); r.Categories[0] != "csam" {
		t.Fatal("a rejected override changed the rule")
	}
	bad := &takedown.Policy{Rules: []takedown.Rule{
		{ID: "a", Jurisdiction: "US", Duty: takedown.DutyRemove, Clock: "eventually", Citation: "x", Confidence: takedown.Primary},
	}}
	if err := bad.Validate(); !errors.Is(err, takedown.ErrInvalid) || !strings.Contains(err.Error(), "eventually") {
		t.Fatalf("Validate of a clock without a duration = %v", err)
	}
	bad.Rules = append(bad.Rules, bad.Rules[0])
	bad.Rules[0].Deadline = time.Hour
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("Validate of duplicate IDs = %v", err)
	}
	if _, err := takedown.NewEngine(takedown.NewMemStore(), bad, nil); err == nil {
		t.Fatal("NewEngine accepted an invalid policy")
	}
}

func TestTransitions(t *testing.T) {
	type step struct {
		ev   takedown.EventType
		want takedown.Status // "" = illegal
	}
	tests := map[string][]step{
		"happy path":      {{"acknowledged", "acknowledged"}, {"removed", "actioned"}, {"reported", "actioned"}, {"closed", "closed"}},
		"ack twice":       {{"acknowledged", "acknowledged"}, {"acknowledged", ""}},
		"ack after act":   {{"removed", "actioned"}, {"acknowledged", "actioned"}},
		"escalate":        {{"geo_blocked", "actioned"}, {"access_disabled", "actioned"}, {"removed", "actioned"}, {"removed", ""}},
		"appeal":          {{"removed", "actioned"}, {"appealed", "appealed"}, {"reinstated", "reinstated"}, {"removed", "actioned"}},
		"appeal unacted":  {{"appealed", ""}},
		"reinstate early": {{"removed", "actioned"}, {"reinstated", ""}},
		"closed is final": {{"closed", "closed"}, {"reported", ""}, {"closed", ""}},
		"notify anytime":  {{"uploader_notified", "open"}, {"notifier_notified", "open"}, {"preserved", "open"}},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEngine(t, nil, &takedown.Options{Now: func() time.Time { return t0 }})
			ctx := context.Background()
			c, err := e.Open(ctx, takedown.Notice{ID: "n", Trigger: takedown.TriggerUserNotice, Jurisdictions: js("US"), Category: "csam"})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range steps {
				ev := takedown.Event{ID: fmt.Sprint(i), Type: s.ev}
				if s.ev == takedown.EventReported {
					ev.Receipt = &takedown.Receipt{Agency: "NCMEC", ID: "1"}
				}
				before := c.Status
				got, err := e.Record(ctx, c.ID, ev)
				if s.want == "" {
					var te *takedown.TransitionError
					if !errors.As(err, &te) || te.From != before || te.Event != s.ev || !errors.Is(err, takedown.ErrIllegalTransition) {
						t.Fatalf("step %d %s from %s: err %v, want a TransitionError", i, s.ev, before, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d %s: %v", i, s.ev, err)
				}
				if got.Status != s.want {
					t.Fatalf("step %d %s: status %s, want %s", i, s.ev, got.Status, s.want)
				}
				c = got
			}
			if err := e.Verify(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	e := newEngine(t, nil, &takedown.Options{Now: func() time.Time { return t0 }})
	ctx := context.Background()
	good := takedown.Notice{ID: "n", Trigger: takedown.TriggerUserNotice, Jurisdictions: js("US"), Category: "csam"}
	mod := func(f func(*takedown.Notice)) takedown.Notice { n := good; f(&n); return n }
	notices := map[string]takedown.Notice{
		"no ID":            mod(func(n *takedown.Notice) { n.ID = "" }),
		"long ID":          mod(func(n *takedown.Notice) { n.ID = strings.Repeat("x", takedown.MaxIDLen+1) }),
		"bad trigger":      mod(func(n *takedown.Notice) { n.Trigger = "rumour" }),
		"no jurisdiction":  mod(func(n *takedown.Notice) { n.Jurisdictions = nil }),
		"bad jurisdiction": mod(func(n *takedown.Notice) { n.Jurisdictions = js("usa") }),
		"unknown category": mod(func(n *takedown.Notice) { n.Category = "child porn" }),
		"future":           mod(func(n *takedown.Notice) { n.ReceivedAt = t0.Add(time.Hour) }),
		"priority":         mod(func(n *takedown.Notice) { n.Priority = 9 }),
		"long subject":     mod(func(n *takedown.Notice) { n.Subject = strings.Repeat("s", takedown.MaxFieldLen+1) }),
		"bad utf8":         mod(func(n *takedown.Notice) { n.Source = "\xff" }),
		"due before":       mod(func(n *takedown.Notice) { n.DueBy = t0.Add(-time.Hour) }),
		"many jurisdictions": mod(func(n *takedown.Notice) {
			n.Jurisdictions = slices.Repeat(js("US"), takedown.MaxJurisdictions+1)
		}),
	}
	for name, n := range notices {
		if _, err := e.Open(ctx, n); !errors.Is(err, takedown.ErrInvalid) {
			t.Errorf("%s: Open = %v, want ErrInvalid", name, err)
		}
	}
	c, err := e.Open(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]takedown.Event{
		"no ID":             {Type: takedown.EventRemoved},
		"engine event":      {ID: "x", Type: takedown.EventBreached},
		"report no receipt": {ID: "x", Type: takedown.EventReported},
		"receipt on other":  {ID: "x", Type: takedown.EventRemoved, Receipt: &takedown.Receipt{Agency: "A", ID: "1"}},
		"before trigger":    {ID: "x", Type: takedown.EventRemoved, At: t0.Add(-time.Hour)},
		"future":            {ID: "x", Type: takedown.EventRemoved, At: t0.Add(time.Hour)},
		"long note":         {ID: "x", Type: takedown.EventRemoved, Note: strings.Repeat("n", takedown.MaxNoteLen+1)},
		"bad region":        {ID: "x", Type: takedown.EventGeoBlocked, Regions: []string{"Germany"}},
	}
	for name, ev := range events {
		if _, err := e.Record(ctx, c.ID, ev); !errors.Is(err, takedown.ErrInvalid) {
			t.Errorf("%s: Record = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := e.Record(ctx, "nope", takedown.Event{ID: "x", Type: takedown.EventRemoved}); !errors.Is(err, takedown.ErrNotFound) {
		t.Errorf("Record on an unknown case = %v, want ErrNotFound", err)
	}
	if got, _ := e.Get(ctx, c.ID); got.Version != 1 || got.Seq != 1 {
		t.Fatalf("rejected events changed the case: version %d seq %d", got.Version, got.Seq)
	}
}

func TestIdempotency(t *testing.T) {
	ck := newClock(t0)
	var transitions int
	e := newEngine(t, nil, &takedown.Options{Now: ck.Now, Hooks: takedown.Hooks{
		OnTransition: func(context.Context, takedown.Transition) { transitions++ }}})
	ctx := context.Background()
	n := takedown.Notice{ID: "n", Trigger: takedown.TriggerUserNotice, Jurisdictions: js("US"), Category: "csam"}
	c1, err := e.Open(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	ck.Add(time.Minute)
	c2, err := e.Open(ctx, n)
	if err != nil || c2.ID != c1.ID || c2.Version != 1 {
		t.Fatalf("repeated Open = %v %v", c2, err)
	}
	ev := takedown.Event{ID: "rm-1", Type: takedown.EventRemoved}
	r1, err := e.Record(ctx, c1.ID, ev)
	if err != nil {
		t.Fatal(err)
	}
	ck.Add(time.Minute)
	r2, err := e.Record(ctx, c1.ID, ev)
	if err != nil || r2.Version != r1.Version {
		t.Fatalf("repeated Record = version %d, %v; want %d, nil", r2.Version, err, r1.Version)
	}
	if _, err := e.Record(ctx, c1.ID, takedown.Event{ID: "rm-1", Type: takedown.EventGeoBlocked}); !errors.Is(err, takedown.ErrIDReused) {
		t.Fatalf("reused event ID = %v, want ErrIDReused", err)
	}
	if transitions != 2 {
		t.Fatalf("OnTransition called %d times, want 2 (repeats are silent)", transitions)
	}
}

// TestRunFiresOnTime drives Run with fake time (testing/synctest): each warning, due and
// breach fires exactly at its time, once, and a restarted engine fires nothing again.
func TestRunFiresOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := takedown.NewMemStore()
		policy := &takedown.Policy{Rules: []takedown.Rule{
			{ID: "r", Jurisdiction: "US", Duty: takedown.DutyRemove, Deadline: 10 * time.Hour, Citation: "t", Confidence: takedown.Primary},
			{ID: "n", Jurisdiction: "US", Duty: takedown.DutyReport, Deadline: 4 * time.Hour, Citation: "t", Confidence: takedown.Primary}}}
		type fire struct {
			id string
			at time.Duration // since start
		}
		start := time.Now()
		var mu sync.Mutex
		var fires []fire
		hook := func(_ context.Context, f takedown.Firing) {
			mu.Lock()
			fires = append(fires, fire{f.DeliveryID[strings.IndexByte(f.DeliveryID, '/')+1:], time.Since(start)})
			mu.Unlock()
		}
		opts := &takedown.Options{PollInterval: time.Hour, Hooks: takedown.Hooks{OnWarning: hook, OnDue: hook, OnBreach: hook}}
		e, err := takedown.NewEngine(store, policy, opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- e.Run(ctx) }()
		synctest.Wait()
		c, err := e.Open(ctx, takedown.Notice{ID: "a", Trigger: takedown.TriggerUserNotice, Jurisdictions: js("US")})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Hour)
		if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rm", Type: takedown.EventRemoved}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(24 * time.Hour)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want := []fire{
			{"report/warning@0.5", 2 * time.Hour}, {"report/warning@0.8", 192 * time.Minute},
			{"report/due", 4 * time.Hour}, {"report/breach", 4 * time.Hour},
			{"remove/warning@0.5", 5 * time.Hour},
			// removal at 6 h met the 10 h deadline: its 8 h warning, due and breach never fire.
		}
		if fmt.Sprint(fires) != fmt.Sprint(want) {
			t.Fatalf("fired %v\nwant  %v", fires, want)
		}
		got, _ := e.Get(context.Background(), c.ID)
		if d, _ := got.Deadline("report"); d.State != takedown.DeadlineBreached {
			t.Fatalf("report deadline %s, want breached", d.State)
		}
		// A new engine on the same store (a restart) fires nothing again.
		e2, _ := takedown.NewEngine(store, policy, opts)
		ctx2, cancel2 := context.WithCancel(context.Background())
		go func() { done <- e2.Run(ctx2) }()
		time.Sleep(48 * time.Hour)
		cancel2()
		<-done
		if len(fires) != len(want) {
			t.Fatalf("restarted engine fired again: %v", fires[len(want):])
		}
	})
}

// TestDowntime: after the engine was down, everything overdue fires at once, in
// deadline order.
func TestDowntime(t *testing.T) {
	ck := newClock(t0)
	var order []string
	hook := func(_ context.Context, f takedown.Firing) {
		order = append(order, f.Deadline.Rule.ID+"/"+string(f.Kind))
		if f.Now.Sub(f.At) <= 0 {
			t.Errorf("%s: fired at %v, scheduled %v: not late?", f.DeliveryID, f.Now, f.At)
		}
	}
	policy := &takedown.Policy{Rules: []takedown.Rule{
		{ID: "slow", Jurisdiction: "US", Duty: takedown.DutyRemove, Deadline: 3 * time.Hour, Citation: "t", Confidence: takedown.Primary},
		{ID: "fast", Jurisdiction: "GB", Duty: takedown.DutyRemove, Deadline: time.Hour, Citation: "t", Confidence: takedown.Primary},
		{ID: "mid", Jurisdiction: "FR", Duty: takedown.DutyRemove, Deadline: 2 * time.Hour, Citation: "t", Confidence: takedown.Primary}}}
	e := newEngine(t, policy, &takedown.Options{Now: ck.Now, Warnings: []float64{}, BatchSize: 2,
		Hooks: takedown.Hooks{OnDue: hook, OnBreach: hook}})
	ctx := context.Background()
	for _, j := range js("US", "GB", "FR") {
		if _, err := e.Open(ctx, takedown.Notice{ID: string(j), Trigger: takedown.TriggerUserNotice, Jurisdictions: js(j)}); err != nil {
			t.Fatal(err)
		}
	}
	ck.Add(10 * time.Hour)
	n, err := e.Tick(ctx)
	if err != nil || n != 6 {
		t.Fatalf("Tick = %d, %v; want 6", n, err)
	}
	want := []string{"fast/due", "fast/breach", "mid/due", "mid/breach", "slow/due", "slow/breach"}
	if !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

func TestLateActionAndPendingClocks(t *testing.T) {
	ck := newClock(t0)
	var breaches []string
	e := newEngine(t, nil, &takedown.Options{Now: ck.Now, Hooks: takedown.Hooks{
		OnBreach: func(_ context.Context, f takedown.Firing) { breaches = append(breaches, f.Deadline.ID) }}})
	ctx := context.Background()
	c, err := e.Open(ctx, takedown.Notice{ID: "de", Trigger: takedown.TriggerUserNotice, Jurisdictions: js("DE"), Category: "csam"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Jurisdictions, js("DE", "EU")) {
		t.Fatalf("jurisdictions %v, want DE and EU", c.Jurisdictions)
	}
	sor, _ := c.Deadline("notify_uploader@actioned")
	if sor.State != takedown.DeadlinePending || !sor.Due.IsZero() {
		t.Fatalf("statement of reasons before action: %+v", sor)
	}
	// Removal 30 h after the notice: the 24 h NetzDG deadline was missed (met late).
	ck.Add(30 * time.Hour)
	c, err = e.Record(ctx, c.ID, takedown.Event{ID: "rm", Type: takedown.EventRemoved})
	if err != nil {
		t.Fatal(err)
	}
	da, _ := c.Deadline("disable_access")
	if da.State != takedown.DeadlineBreached || !da.MetAt.Equal(ck.Now()) {
		t.Fatalf("late removal: %+v", da)
	}
	sor, _ = c.Deadline("notify_uploader@actioned")
	if sor.State != takedown.DeadlineOpen || !sor.Due.Equal(ck.Now().Add(time.Hour)) {
		t.Fatalf("statement of reasons after action: %+v", sor)
	}
	// NetzDG evidence preservation (10 weeks) starts at the action.
	if got := c.PreserveUntil(); !got.Equal(ck.Now().Add(70 * 24 * time.Hour)) {
		t.Fatalf("PreserveUntil = %v", got)
	}
	ck.Add(2 * time.Hour)
	if _, err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(breaches)
	// The late removal suppressed its own breach hook; the notifier and the pending
	// statement of reasons were breached.
	if want := []string{"notify_notifier", "notify_uploader@actioned"}; !slices.Equal(breaches, want) {
		t.Fatalf("breaches %v, want %v", breaches, want)
	}
	c, _ = e.Record(ctx, c.ID, takedown.Event{ID: "close", Type: takedown.EventClosed})
	if d, _ := c.Deadline("report:DSA-TDB@actioned"); d.State != takedown.DeadlineWaived {
		t.Fatalf("open deadline after close: %s, want waived", d.State)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	ck := newClock(t0)
	store := takedown.NewMemStore()
	e, _ := takedown.NewEngine(store, nil, &takedown.Options{Now: ck.Now})
	ctx := context.Background()
	c, _ := e.Open(ctx, takedown.Notice{ID: "n", Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("US", "GB"), Category: "csam"})
	for i, typ := range []takedown.EventType{takedown.EventAcknowledged, takedown.EventRemoved, takedown.EventPreserved} {
		ck.Add(time.Minute)
		if _, err := e.Record(ctx, c.ID, takedown.Event{ID: fmt.Sprint(i), Type: typ, Note: "reviewed"}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ = e.Get(ctx, c.ID)
	evs, _ := e.Events(ctx, c.ID)
	if err := takedown.VerifyChain(c, evs); err != nil {
		t.Fatal(err)
	}
	clone := func() []takedown.AuditEvent {
		out := slices.Clone(evs)
		for i := range out {
			out[i].Payload = bytes.Clone(out[i].Payload)
		}
		return out
	}
	tamper := map[string]func() (*takedown.Case, []takedown.AuditEvent){
		"edited payload": func() (*takedown.Case, []takedown.AuditEvent) {
			x := clone()
			x[2].Payload = bytes.Replace(x[2].Payload, []byte("reviewed"), []byte("approved"), 1)
			return c, x
		},
		"edited time": func() (*takedown.Case, []takedown.AuditEvent) {
			x := clone()
			x[1].At = x[1].At.Add(-time.Hour)
			return c, x
		},
		"edited and rehashed": func() (*takedown.Case, []takedown.AuditEvent) {
			x := clone()
			x[1].Type = takedown.EventRemoved
			x[1].Hash = x[1].ComputeHash()
			return c, x
		},
		"dropped middle": func() (*takedown.Case, []takedown.AuditEvent) {
			x := clone()
			return c, slices.Delete(x, 2, 3)
		},
		"dropped last": func() (*takedown.Case, []takedown.AuditEvent) { return c, clone()[:3] },
		"reordered": func() (*takedown.Case, []takedown.AuditEvent) {
			x := clone()
			x[1], x[2] = x[2], x[1]
			return c, x
		},
		"edited case": func() (*takedown.Case, []takedown.AuditEvent) {
			cc := c.Clone()
			cc.Deadlines[0].State = takedown.DeadlineMet
			return cc, clone()
		},
		"other case's events": func() (*takedown.Case, []takedown.AuditEvent) {
			cc := c.Clone()
			cc.ID = "other"
			return cc, clone()
		},
	}
	for name, f := range tamper {
		cc, x := f()
		err := takedown.VerifyChain(cc, x)
		var ve *takedown.VerifyError
		if !errors.Is(err, takedown.ErrTampered) || !errors.As(err, &ve) {
			t.Errorf("%s: VerifyChain = %v, want a VerifyError", name, err)
		}
	}
	head, err := e.VerifyAll(ctx)
	if err != nil || head.Seq != 4 {
		t.Fatalf("VerifyAll = %+v, %v", head, err)
	}
	j, _ := store.Journal(ctx, 0, 10)
	j[2].CaseSeq = 9
	if _, err := takedown.VerifyJournal(takedown.ChainHead{}, j); !errors.Is(err, takedown.ErrTampered) {
		t.Fatalf("edited journal entry: %v", err)
	}
	if _, err := takedown.VerifyJournal(takedown.ChainHead{}, slices.Delete(slices.Clone(j), 1, 2)); !errors.Is(err, takedown.ErrTampered) {
		t.Fatalf("dropped journal entry: %v", err)
	}
}

func TestSLA(t *testing.T) {
	ck := newClock(t0)
	e := newEngine(t, nil, &takedown.Options{Now: ck.Now})
	ctx := context.Background()
	// Ten US user notices; case i is removed after i hours and reported after i*3 hours.
	for i := 1; i <= 10; i++ {
		ck.Set(t0)
		c, err := e.Open(ctx, takedown.Notice{ID: fmt.Sprint(i), Trigger: takedown.TriggerUserNotice, Jurisdictions: js("US"), Category: "csam"})
		if err != nil {
			t.Fatal(err)
		}
		ck.Set(t0.Add(time.Duration(i) * time.Hour))
		if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rm", Type: takedown.EventRemoved}); err != nil {
			t.Fatal(err)
		}
		ck.Set(t0.Add(time.Duration(3*i) * time.Hour))
		if _, err := e.Record(ctx, c.ID, takedown.Event{ID: "rep", Type: takedown.EventReported,
			Receipt: &takedown.Receipt{Agency: "NCMEC", ID: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Open(ctx, takedown.Notice{ID: "hash", Trigger: takedown.TriggerOwnDetection, Jurisdictions: js("US"), Category: "csam"}); err != nil {
		t.Fatal(err)
	}
	ck.Set(t0.Add(100 * time.Hour))
	r, err := e.SLA(ctx, takedown.Filter{Jurisdiction: "US"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Cases != 11 || r.Automated != 1 || r.Actioned != 10 || r.ByAction[takedown.EventRemoved] != 10 {
		t.Fatalf("counts: %+v", r)
	}
	// Nearest rank over 1..10 h: median = rank 5 = 5 h.
	if r.MedianTimeToAction != 5*time.Hour {
		t.Fatalf("median time to action %v, want 5h", r.MedianTimeToAction)
	}
	var rep *takedown.SLAGroup
	for i := range r.Groups {
		if r.Groups[i].Trigger == takedown.TriggerUserNotice && r.Groups[i].Duty == takedown.DutyReport {
			rep = &r.Groups[i]
		}
	}
	// Reports after 3, 6, ..., 30 h against a 24 h clock: 8 in time, 2 late.
	if rep == nil || rep.Done != 10 || rep.MetInTime != 8 || rep.Breaches != 2 ||
		rep.P50 != 15*time.Hour || rep.P90 != 27*time.Hour || rep.P99 != 30*time.Hour {
		t.Fatalf("report group: %+v", rep)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 1+len(r.Groups) || strings.Join(rows[0], ",") != takedown.CSVHeader {
		t.Fatalf("CSV: %v rows, %v", len(rows), err)
	}
	found := false
	for _, row := range rows[1:] {
		if row[1] == "user_notice" && row[3] == "report" {
			found = row[9] == "54000" && row[11] == "108000"
		}
	}
	if !found {
		t.Fatalf("CSV rows lack the report group with p50 54000 s: %v", rows)
	}
	buf.Reset()
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back takedown.SLAReport
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Cases != 11 || len(back.Groups) != len(r.Groups) {
		t.Fatalf("JSON round trip: %v", err)
	}
}

func TestHookPanicIsContained(t *testing.T) {
	ck := newClock(t0)
	e := newEngine(t, nil, &takedown.Options{Now: ck.Now, Hooks: takedown.Hooks{
		OnTransition: func(context.Context, takedown.Transition) { panic("boom") },
		OnDue:        func(context.Context, takedown.Firing) { panic("boom") }}})
	ctx := context.Background()
	c, err := e.Open(ctx, takedown.Notice{ID: "n", Trigger: takedown.TriggerUserNotice, Jurisdictions: js("US"), Category: "csam"})
	if err != nil {
		t.Fatal(err)
	}
	ck.Add(48 * time.Hour)
	if _, err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ := e.Deliveries(ctx, c.ID)
	if len(ds) != 4 {
		t.Fatalf("%d deliveries recorded, want 4 despite the panicking hook", len(ds))
	}
}

func TestListFilters(t *testing.T) {
	e := newEngine(t, nil, &takedown.Options{Now: func() time.Time { return t0 }})
	ctx := context.Background()
	for i := range 30 {
		j, cat := js("US"), "csam"
		if i%3 == 0 {
			j, cat = js("GB"), "grooming"
		}
		if _, err := e.Open(ctx, takedown.Notice{ID: fmt.Sprint(i), Trigger: takedown.TriggerUserNotice, Jurisdictions: j, Category: cat}); err != nil {
			t.Fatal(err)
		}
	}
	var all []*takedown.Case
	f := takedown.Filter{Jurisdiction: "GB", Limit: 3}
	for {
		page, next, err := e.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		f.After = next
	}
	if len(all) != 10 {
		t.Fatalf("GB cases: %d, want 10", len(all))
	}
	got, _, _ := e.List(ctx, takedown.Filter{Category: "csam", Limit: 1000})
	if len(got) != 20 {
		t.Fatalf("csam cases: %d, want 20", len(got))
	}
}

// TestExpiredLeaseStopsBatch: a hook that outlives the lease lets another engine claim
// the batch again; the first engine must then not run the hooks of the rest of its
// batch, or every one of them fires twice.
func TestExpiredLeaseStopsBatch(t *testing.T) {
	ctx := context.Background()
	clk := newClock(t0)
	store := takedown.NewMemStore()
	var mu sync.Mutex
	calls := map[string]int{}
	count := func(_ context.Context, f takedown.Firing) {
		mu.Lock()
		calls[f.DeliveryID]++
		mu.Unlock()
	}
	e2, err := takedown.NewEngine(store, nil, &takedown.Options{Now: clk.Now, WorkerID: "e2", Warnings: []float64{},
		Lease: time.Minute, Hooks: takedown.Hooks{OnDue: count, OnBreach: count}})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	slow := func(ctx context.Context, f takedown.Firing) {
		count(ctx, f)
		once.Do(func() {
			// The hook takes longer than the lease; meanwhile the other engine runs.
			clk.Add(2 * time.Minute)
			if _, err := e2.Tick(ctx); err != nil {
				t.Errorf("e2.Tick: %v", err)
			}
		})
	}
	e1, err := takedown.NewEngine(store, nil, &takedown.Options{Now: clk.Now, WorkerID: "e1", Warnings: []float64{},
		Lease: time.Minute, Hooks: takedown.Hooks{OnDue: slow, OnBreach: slow}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		n := takedown.Notice{ID: fmt.Sprintf("n%d", i), Trigger: takedown.TriggerOwnDetection, Jurisdictions: js(takedown.US),
			Category: "csam", ReceivedAt: t0}
		if _, err := e1.Open(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(t0.Add(72 * time.Hour))
	if _, err := e1.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 6 {
		t.Fatalf("%d distinct firings, want at least 6", len(calls))
	}
	twice := 0
	for id, n := range calls {
		switch {
		case n == 2:
			twice++
		case n != 1:
			t.Errorf("%s fired %d times", id, n)
		}
	}
	// Only the firing whose hook was running when the lease ran out is delivered again.
	if twice != 1 {
		t.Fatalf("%d firings delivered twice, want only the one in flight (1)", twice)
	}
}

// TestUncertainPreservationFlagged: India's 180-day preservation is [U] in the
// reference even under the 36 h order rule, whose deadline is not marked uncertain.
func TestUncertainPreservationFlagged(t *testing.T) {
	p := takedown.DefaultPolicy()
	res := p.Resolve(takedown.Notice{ID: "in", Trigger: takedown.TriggerAuthorityOrder, Jurisdictions: js(takedown.IN),
		ReceivedAt: time.Date(2026, time.January, 10, 0, 0, 0, 0, time.UTC)})
	var found bool
	for _, pr := range res.Preservation {
		if pr.Rule.ID != "in.it-rules.3-1-d.36h" {
			continue
		}
		found = true
		if pr.Period != 180*24*time.Hour || !pr.Rule.Uncertain {
			t.Errorf("preservation %v uncertain=%v, want 180 days flagged uncertain", pr.Period, pr.Rule.Uncertain)
		}
	}
	if !found {
		t.Fatal("no preservation from in.it-rules.3-1-d.36h")
	}
	d, ok := func() (takedown.Deadline, bool) {
		for _, d := range res.Deadlines {
			if d.Rule.ID == "in.it-rules.3-1-d.36h" {
				return d, true
			}
		}
		return takedown.Deadline{}, false
	}()
	if !ok || d.Duration != 36*time.Hour || d.Rule.Uncertain {
		t.Fatalf("deadline %+v, want 36 h from a rule not marked uncertain", d)
	}
}

// TestSLAEmptyExport: a period without cases still exports "groups" as a JSON array
// (transparency-report tooling reads it as a list) and a CSV with its header.
func TestSLAEmptyExport(t *testing.T) {
	e := newEngine(t, nil, &takedown.Options{Now: newClock(t0).Now})
	r, err := e.SLA(context.Background(), takedown.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["groups"]) != "[]" || string(raw["cases"]) != "0" {
		t.Fatalf("groups = %s, cases = %s; want [] and 0", raw["groups"], raw["cases"])
	}
	buf.Reset()
	if err := r.WriteCSV(&buf); err != nil || buf.String() != takedown.CSVHeader+"\n" {
		t.Fatalf("CSV = %q, %v", buf.String(), err)
	}
}

// flakyComplete fails the first fail calls of Complete, as a dropped database
// connection would, without writing anything.
type flakyComplete struct {
	takedown.Store
	mu   sync.Mutex
	fail int
}

func (f *flakyComplete) Complete(ctx context.Context, done []takedown.Completion) ([]error, error) {
	f.mu.Lock()
	fail := f.fail > 0
	f.fail--
	f.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset by peer")
	}
	return f.Store.Complete(ctx, done)
}

// TestTransientCompleteFailureNoRedelivery: the hooks ran, so a passing store error
// while recording that must not lead to a second delivery after the lease expires.
func TestTransientCompleteFailureNoRedelivery(t *testing.T) {
	ctx := context.Background()
	clk := newClock(t0)
	store := &flakyComplete{Store: takedown.NewMemStore()}
	calls := map[string]int{}
	count := func(_ context.Context, f takedown.Firing) { calls[f.DeliveryID]++ }
	e, err := takedown.NewEngine(store, nil, &takedown.Options{Now: clk.Now, Warnings: []float64{},
		Hooks: takedown.Hooks{OnDue: count, OnBreach: count}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Open(ctx, takedown.Notice{ID: "n", Trigger: takedown.TriggerOwnDetection, Jurisdictions: js(takedown.US),
		Category: "csam", ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(72 * time.Hour))
	store.fail = 2
	if _, err := e.Tick(ctx); err != nil {
		t.Fatalf("Tick: %v", err)
	}
	clk.Add(time.Hour) // every lease has expired
	if _, err := e.Tick(ctx); err != nil {
		t.Fatalf("second Tick: %v", err)
	}
	if len(calls) < 2 {
		t.Fatalf("%d firings, want at least a due and a breach", len(calls))
	}
	for id, n := range calls {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}
