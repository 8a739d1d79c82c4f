package takedown_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
)

// A hash match on an upload served in the US and the UK opens one case. Each duty gets
// the strictest deadline of the two jurisdictions, and each deadline names its rule.
func ExampleEngine_Open() {
	now := time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)
	store := takedown.NewMemStore()
	defer store.Close()
	engine, err := takedown.NewEngine(store, takedown.DefaultPolicy(), &takedown.Options{
		Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	c, err := engine.Open(context.Background(), takedown.Notice{
		ID:            "match-7f3a",
		Trigger:       takedown.TriggerOwnDetection,
		Jurisdictions: []takedown.Jurisdiction{takedown.US, takedown.GB},
		Category:      "csam.ai_generated", // a child of "csam": rules for csam apply
		Source:        "hashmatch",
	})
	if err != nil {
		panic(err)
	}
	for _, d := range c.Deadlines {
		fmt.Printf("%-13s due %s  %s (%s, %s)", d.ID, d.Due.Format(time.RFC3339), d.Rule.ID, d.Rule.Jurisdiction, d.Rule.Clock)
		if d.Rule.Operational {
			fmt.Print(" operational")
		}
		if d.Rule.Uncertain {
			fmt.Print(" uncertain")
		}
		fmt.Println()
	}
	// Output:
	// report:NCA    due 2026-06-01T09:15:00Z  gb.si2026-268.report-p1 (GB, immediately) operational uncertain
	// remove        due 2026-06-02T09:00:00Z  gb.osa10.illegal-content (GB, swiftly) operational uncertain
	// report:NCMEC  due 2026-06-02T09:00:00Z  us.2258a.report (US, as soon as reasonably possible) operational
}

// Recording the CyberTipline receipt meets the US report deadline and starts the
// one-year preservation period (18 U.S.C. §2258A(h)).
func ExampleEngine_Record() {
	now := time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)
	engine, _ := takedown.NewEngine(takedown.NewMemStore(), nil, &takedown.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	c, _ := engine.Open(ctx, takedown.Notice{ID: "n1", Trigger: takedown.TriggerUserNotice,
		Jurisdictions: []takedown.Jurisdiction{takedown.US}, Category: "csam"})
	now = now.Add(2 * time.Hour)
	c, err := engine.Record(ctx, c.ID, takedown.Event{ID: "ncmec-1", Type: takedown.EventReported,
		Receipt: &takedown.Receipt{Agency: "NCMEC", ID: "150000001"}})
	if err != nil {
		panic(err)
	}
	d, _ := c.Deadline("report:NCMEC")
	fmt.Println(d.State, "after", d.MetAt.Sub(d.Start))
	fmt.Println("preserve until", c.PreserveUntil().Format(time.DateOnly))
	fmt.Println("verify:", engine.Verify(ctx, c.ID))
	// Output:
	// met after 2h0m0s
	// preserve until 2027-06-01
	// verify: <nil>
}
