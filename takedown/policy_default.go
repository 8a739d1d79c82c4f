package takedown

import "time"

const (
	day  = 24 * time.Hour
	year = 365 * day
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DefaultPolicy returns a new Policy with a rule for every row of the mnr takedown-law
// reference table (§1), each with its verbatim citation, its confidence grade, an
// uncertainty flag for the values the reference lists as uncertain (§1.1 and every [U]),
// and the valid-from/until dates it gives. Vague clocks use DefaultVague.
//
// Rows outside the terminology vocabulary or no longer law ship as Disabled rules: the
// EU TCO Regulation (terrorist content) and Canada's lapsed Bill C-63. The EU Interim
// Regulation ships with its expiry (3 Apr 2026) as ValidUntil; extend it with Override
// if the extension is adopted. DE and FR include the EU rules.
//
// Every call returns a fresh copy that the caller may change.
func DefaultPolicy() *Policy {
	// Category groups (terminology codes; children match) and trigger groups.
	var (
		catCSAM = []string{"csam"}
		// Child sexual exploitation and abuse in the wide sense (UK "CSEA").
		catCSEA = []string{"csam", "csem", "grooming", "sextortion", "live_abuse", "trafficking",
			"exploitation_in_prostitution", "sexual_content_to_child", "contact_abuse", "sadistic_exploitation"}
		// 18 U.S.C. §2258A after the REPORT Act: CSAM, child sex trafficking (§1591) and
		// enticement (§2422(b)).
		catUS2258A = []string{"csam", "trafficking", "exploitation_in_prostitution", "grooming"}
		// Lei 15.211/2025: child sexual abuse, abduction, grooming or exploitation.
		catBRECA = []string{"csam", "csem", "grooming", "sextortion", "live_abuse", "trafficking",
			"exploitation_in_prostitution", "contact_abuse", "sadistic_exploitation"}

		notices       = []Trigger{TriggerUserNotice, TriggerTrustedFlagger, TriggerHotlineNotice, TriggerVictimRequest}
		knowledge     = []Trigger{TriggerOwnDetection, TriggerUserNotice, TriggerTrustedFlagger, TriggerHotlineNotice, TriggerAuthorityOrder, TriggerVictimRequest}
		actionedStart = []EventType{EventActioned}
	)
	p := &Policy{
		Vague:    DefaultVague(),
		Includes: map[Jurisdiction][]Jurisdiction{DE: {EU}, FR: {EU}},
	}
	p.Rules = []Rule{
		// ---- United States ----
		{
			ID: "us.2258a.report", Jurisdiction: US, Regime: "18 U.S.C. §2258A (CyberTipline report)",
			Triggers: knowledge, Categories: catUS2258A, Duty: DutyReport, To: "NCMEC",
			Clock: "as soon as reasonably possible",
			Preserve: []Retention{{What: "contents of the report, including commingled content", Period: year,
				From: EventReported, Agency: "NCMEC"}},
			Citation: "18 U.S.C. §2258A(a),(h); Pub. L. 118-59", Confidence: Primary,
			Note: "Clock starts at actual knowledge of apparent CSAM (and, since the REPORT Act, §1591/§2422(b) involving a minor). " +
				"Preservation: 1 year from submission; store securely, consistent with the NIST CSF; longer voluntary periods are allowed.",
		},
		{
			ID: "us.take-it-down.remove", Jurisdiction: US, Regime: "TAKE IT DOWN Act (non-consensual intimate imagery)",
			Triggers: []Trigger{TriggerVictimRequest}, Duty: DutyRemove,
			Clock: "as soon as possible", Deadline: 48 * time.Hour,
			Citation: "Pub. L. 119-12", Confidence: Secondary, ValidFrom: date(2026, time.May, 19),
			Note: "A valid removal request from the person depicted. Also make reasonable efforts to remove known identical copies. " +
				"Preservation and notification are not specified [U]. The FTC enforces it under FTC Act s.5.",
		},
		{
			ID: "us.2703f.preserve", Jurisdiction: US, Regime: "18 U.S.C. §2703(f) preservation request",
			Triggers: []Trigger{TriggerPreservationRequest}, Duty: DutyPreserve,
			Deadline: 24 * time.Hour, Operational: true,
			Preserve: []Retention{{What: "records and other evidence in the provider's possession", Period: 90 * day, From: EventOpened}},
			Citation: "18 U.S.C. §2703(f)(2)", Confidence: Primary,
			Note: "Preserve \"pending the issuance of\" legal process; no removal required. The statute sets no clock for " +
				"taking the snapshot: 24 h is an operational target. 90 days, plus a further 90 on renewal (extend the period on a renewal).",
		},
		// ---- European Union ----
		{
			ID: "eu.dsa16.action", Jurisdiction: EU, Regime: "DSA Art. 16 notice and action (Art. 6 safe harbour)",
			Triggers: notices, Duty: DutyDisableAccess, Clock: "expeditiously",
			Citation: "Reg. (EU) 2022/2065", Confidence: Unverified, Uncertain: true,
			Note: "No fixed hours: handle notices in a \"timely, diligent, non-arbitrary and objective\" way; the Art. 6 safe " +
				"harbour requires acting \"expeditiously\". Trusted-flagger notices (Art. 22) take priority. Action may be removal, " +
				"disabling, demotion or another restriction.",
		},
		{
			ID: "eu.dsa16-5.notify-notifier", Jurisdiction: EU, Regime: "DSA Art. 16(5) decision to the notifier",
			Triggers: notices, Duty: DutyNotifyNotifier, Clock: "without undue delay",
			Citation: "Reg. (EU) 2022/2065", Confidence: Unverified, Uncertain: true,
		},
		{
			ID: "eu.dsa17.statement-of-reasons", Jurisdiction: EU, Regime: "DSA Art. 17 statement of reasons",
			Duty: DutyNotifyUploader, StartOn: actionedStart, Deadline: time.Hour, Operational: true,
			Citation: "Reg. (EU) 2022/2065", Confidence: Unverified, Uncertain: true,
			Note: "Owed to the uploader when the restriction takes effect; 1 h after the action is an operational target.",
		},
		{
			ID: "eu.dsa24-5.transparency-db", Jurisdiction: EU, Regime: "DSA Art. 24(5) transparency database submission",
			Duty: DutyReport, To: "DSA-TDB", StartOn: actionedStart, Clock: "without undue delay",
			Citation: "Reg. (EU) 2022/2065", Confidence: Unverified, Uncertain: true,
			Note: "The database schema is [P]; the article text is [U].",
		},
		{
			ID: "eu.dsa18.inform-authorities", Jurisdiction: EU, Regime: "DSA Art. 18 notification of suspicions of criminal offences",
			Priorities: []int{1}, Duty: DutyReport, To: "LAW-ENFORCEMENT", Clock: "promptly",
			Citation: "DSA Art. 18", Confidence: Unverified, Uncertain: true,
			Note: "Information giving rise to a suspicion of a criminal offence involving a threat to someone's life or safety " +
				"(mnr: a notice of priority 1). Inform the national law-enforcement or judicial authorities (Europol if the " +
				"Member State is unclear) with all relevant information.",
		},
		{
			ID: "eu.tco.remove", Jurisdiction: EU, Regime: "TCO Reg. 2021/784 removal order (terrorist content)",
			Triggers: []Trigger{TriggerAuthorityOrder}, Duty: DutyDisableAccess, Deadline: time.Hour,
			Preserve: []Retention{{What: "removed content and related data", Period: 182 * day, From: EventActioned}},
			Citation: "Art. 3(3), 6, 11", Confidence: Secondary, Uncertain: true, Disabled: true,
			Note: "1 hour from receipt [S]; other article numbers [U]. Disabled: terrorist content has no terminology code. " +
				"Enable it (and set Categories to your own code) if you handle TCO orders. Inform the content provider (Art. 11; " +
				"the authority may delay this by up to 6 + 6 weeks). Preservation 6 months, extendable on request.",
		},
		{
			ID: "eu.interim-2021-1232.report", Jurisdiction: EU, Regime: "Interim Reg. (EU) 2021/1232 (voluntary detection)",
			Triggers: []Trigger{TriggerOwnDetection}, Categories: catCSAM, Duty: DutyReport, Clock: "without delay",
			Citation: "Reg. (EU) 2021/1232 as extended by 2024/1307", Confidence: Secondary, Uncertain: true,
			ValidUntil: date(2026, time.April, 3),
			Note: "Expired 3 Apr 2026 [P]; an extension to 3 Apr 2028 was pending after the Council position of 2 Jul 2026 [S]: " +
				"extend ValidUntil if it is adopted. Report to law enforcement or NCMEC-type bodies, then remove. Data may be kept " +
				"≤12 months unless needed for a complaint or legal process [U] (a ceiling, so not modelled as a preservation duty).",
		},
		// ---- Germany ----
		{
			ID: "de.netzdg3.manifest-24h", Jurisdiction: DE, Regime: "NetzDG §3 (manifestly unlawful content)",
			Triggers: []Trigger{TriggerUserNotice, TriggerTrustedFlagger, TriggerVictimRequest}, Categories: catCSAM,
			Duty: DutyDisableAccess, Deadline: 24 * time.Hour,
			Preserve: []Retention{{What: "removed content as evidence", Period: 70 * day, From: EventActioned}},
			Citation: "NetzDG §3(2)", Confidence: Secondary, Uncertain: true,
			Note: "Social networks with ≥2M users. CSAM is treated as manifestly unlawful. Largely superseded: for DSA-regulated " +
				"platforms by the DDG, in force 14 May 2024 (disable this rule if that applies to you). Evidence 10 weeks " +
				"(§3(2) Nr. 4) [U on the number of weeks].",
		},
		{
			ID: "de.netzdg3.7d", Jurisdiction: DE, Regime: "NetzDG §3 (unlawful content)",
			Triggers: []Trigger{TriggerUserNotice, TriggerTrustedFlagger, TriggerVictimRequest},
			Duty:     DutyDisableAccess, Deadline: 7 * day,
			Citation: "NetzDG §3(2)", Confidence: Secondary, Uncertain: true,
			Note: "7 days as a rule for unlawful content that is not manifestly unlawful. Superseded by the DDG for DSA-regulated platforms.",
		},
		{
			ID: "de.netzdg3.inform", Jurisdiction: DE, Regime: "NetzDG §3(2) Nr. 5 (inform complainant and user)",
			Triggers: []Trigger{TriggerUserNotice, TriggerTrustedFlagger, TriggerVictimRequest},
			Duty:     DutyNotifyUploader, StartOn: actionedStart, Deadline: 24 * time.Hour, Operational: true,
			Citation: "NetzDG §3(2)", Confidence: Secondary, Uncertain: true,
			Note: "Inform the complainant and the user of the decision; the reference gives no clock: 24 h after the action is " +
				"an operational target. The complainant side is covered by recording notifier_notified.",
		},
		// ---- France ----
		{
			ID: "fr.lcen6-1.ofac-24h", Jurisdiction: FR, Regime: "LCEN art. 6-1 (OFAC/PHAROS removal request)",
			Triggers: []Trigger{TriggerAuthorityOrder}, Categories: catCSAM, Duty: DutyRemove, Deadline: 24 * time.Hour,
			Citation: "Loi 2004-575 art. 6-1; Décret 2015-125; Décret 2025-146", Confidence: Secondary,
			Note: "24 h from receipt of a request from OFAC (formerly OCLCTIC). If the host does not remove, OFAC may order " +
				"blocking and delisting (24 h for those). Orders under the TCO regime: 1 h (rule eu.tco.remove). Preservation not specified [U].",
		},
		// ---- United Kingdom ----
		{
			ID: "gb.osa10.illegal-content", Jurisdiction: GB, Regime: "Online Safety Act 2023 s.10 (illegal content)",
			Triggers: knowledge, Duty: DutyRemove, Clock: "swiftly",
			Citation: "OSA 2023 s.10(3)(b)", Confidence: Unverified, Uncertain: true,
			Note: "\"swiftly take down\" once alerted to or otherwise aware of illegal content. Complaints duties ss.20–21 [U].",
		},
		{
			ID: "gb.osa121.accredited-technology", Jurisdiction: GB, Regime: "Online Safety Act 2023 s.121 notice",
			Triggers: []Trigger{TriggerAuthorityOrder}, Categories: catCSEA, Duty: DutyRemove, FromNotice: true,
			Clock: "swiftly", Citation: "OSA 2023 s.121", Confidence: Primary,
			Note: "An Ofcom notice to use accredited technology: the deadline is as set in the notice (Notice.DueBy); " +
				"without one, the \"swiftly\" operational duration applies.",
		},
		{
			ID: "gb.si2026-268.report-p1", Jurisdiction: GB, Regime: "OSA s.66 + SI 2026/268 CSEA report, Priority 1",
			Triggers: knowledge, Categories: catCSEA, Priorities: []int{0, 1}, Duty: DutyReport, To: "NCA",
			Clock: "immediately", Preserve: gbRetention(),
			Citation: "OSA s.66; SI 2026/268 regs 4–8 and Sch 1", Confidence: Secondary, Uncertain: true,
			Note: "Detected CSEA not yet reported (UK providers: all of it; non-UK providers: UK-linked content). A notice whose " +
				"priority is not assessed (0) is treated as Priority 1, the strictest. Report through the NCA portal or API after " +
				"registration. Answer NCA information requests within ≤7 days. Re-check against legislation.gov.uk/uksi/2026/268/made.",
		},
		{
			ID: "gb.si2026-268.report-p2", Jurisdiction: GB, Regime: "OSA s.66 + SI 2026/268 CSEA report, Priority 2",
			Triggers: knowledge, Categories: catCSEA, Priorities: []int{2}, Duty: DutyReport, To: "NCA",
			Clock: "as soon as reasonably practicable", Preserve: gbRetention(),
			Citation: "OSA s.66; SI 2026/268 regs 4–8 and Sch 1", Confidence: Secondary, Uncertain: true,
		},
		{
			ID: "gb.si2026-268.report-p3", Jurisdiction: GB, Regime: "OSA s.66 + SI 2026/268 CSEA report, Priority 3",
			Triggers: knowledge, Categories: catCSEA, Priorities: []int{3}, Duty: DutyReport, To: "NCA",
			Clock: "without undue delay", Preserve: gbRetention(),
			Citation: "OSA s.66; SI 2026/268 regs 4–8 and Sch 1", Confidence: Secondary, Uncertain: true,
		},
		{
			ID: "gb.intimate-image.48h", Jurisdiction: GB, Regime: "Intimate-image takedown (s.20A / amended s.10(3B))",
			Triggers: []Trigger{TriggerVictimRequest}, Duty: DutyRemove, Deadline: 48 * time.Hour,
			Citation: "Amending Act not identified", Confidence: Secondary, Uncertain: true,
			Note: "A qualifying complaint; take down the same or substantially the same content, and tell the person who " +
				"complained. Single source, unverified.",
		},
		// ---- Australia ----
		{
			ID: "au.osa2021.removal-notice", Jurisdiction: AU, Regime: "Online Safety Act 2021 eSafety removal notice",
			Triggers: []Trigger{TriggerAuthorityOrder}, Duty: DutyRemove, Deadline: 24 * time.Hour,
			Citation: "OSA 2021 ss.65, 77, 88, 89, 109, 110", Confidence: Primary,
			Note: "24 h after the notice is given, or longer if the Commissioner allows (set Notice.DueBy is not used here: " +
				"override Deadline for an extension). Take all reasonable steps to remove the material; hosts stop hosting it.",
		},
		{
			ID: "au.osa2021.complaint-48h", Jurisdiction: AU, Regime: "Online Safety Act 2021 complaint to the provider",
			Triggers: []Trigger{TriggerVictimRequest}, Duty: DutyRemove, Deadline: 48 * time.Hour,
			Citation: "s.65(1)(c), s.88(1)(d)", Confidence: Primary,
			Note: "A complaint about cyber-bullying of an Australian child or cyber-abuse of an adult; after 48 h eSafety may act.",
		},
		// ---- Canada ----
		{
			ID: "ca.mra.report-c3p", Jurisdiction: CA, Regime: "Mandatory Reporting Act s.2 (report URL/IP to C3P)",
			Triggers: notices, Categories: catCSAM, Duty: DutyReport, To: "C3P", Clock: "as soon as feasible",
			NoDisclosure: true,
			Citation:     "S.C. 2011 c.4 ss.2–5; SOR/2011-292", Confidence: Primary, Uncertain: true,
			Note: "Being told of a URL or IP address where child pornography may be available. The clock phrase is [U]. " +
				"Do not disclose the report where that could prejudice an investigation (s.5).",
		},
		{
			ID: "ca.mra.notify-police", Jurisdiction: CA, Regime: "Mandatory Reporting Act s.3 (notify police)",
			Triggers: knowledge, Categories: catCSAM, Duty: DutyReport, To: "POLICE", Clock: "as soon as feasible",
			NoDisclosure: true,
			Preserve: []Retention{{What: "computer data related to the notification", Period: 21 * day,
				From: EventReported, Agency: "POLICE"}},
			Citation: "S.C. 2011 c.4 ss.2–5; SOR/2011-292", Confidence: Primary, Uncertain: true,
			Note: "Reasonable grounds to believe the service is used for a child-pornography offence. Preserve 21 days after " +
				"notifying the police (s.4); Bill C-16 proposes 1 year [S]. Do not disclose (s.5).",
		},
		{
			ID: "ca.c63.inaccessible-24h", Jurisdiction: CA, Regime: "Online Harms Act (Bill C-63), lapsed",
			Triggers: notices, Categories: catCSAM, Duty: DutyDisableAccess, Deadline: 24 * time.Hour,
			Preserve: []Retention{{What: "content made inaccessible", Period: year, From: EventActioned}},
			Citation: "Bill C-63 (44-1)", Confidence: Secondary, Uncertain: true, Disabled: true,
			Note: "Lapsed in January 2025: shipped disabled for the record. Make CSAM or non-consensual intimate content " +
				"inaccessible within 24 h of a flag; notify the user; 1 year preservation [U].",
		},
		// ---- India ----
		{
			ID: "in.it-rules.3-1-d.36h", Jurisdiction: IN, Regime: "IT Rules 2021 r.3(1)(d) court or government order",
			Triggers: []Trigger{TriggerAuthorityOrder}, Duty: DutyDisableAccess, Deadline: 36 * time.Hour,
			Preserve: inRetention(),
			Citation: "G.S.R. 775(E)", Confidence: Secondary,
			ValidFrom: date(2025, time.November, 15), ValidUntil: date(2026, time.February, 20),
			Note: "A court order, or a reasoned notice from an officer of Joint Secretary rank or above (DIG for police). " +
				"Preservation 180 days (r.3(1)(g)) [U].",
		},
		{
			ID: "in.it-rules.3-1-d.3h", Jurisdiction: IN, Regime: "IT Rules 2021 r.3(1)(d) as amended 2026",
			Triggers: []Trigger{TriggerAuthorityOrder}, Duty: DutyDisableAccess, Deadline: 3 * time.Hour,
			Preserve: inRetention(),
			Citation: "G.S.R. 775(E); IT Amendment Rules 2026", Confidence: Secondary, Uncertain: true,
			ValidFrom: date(2026, time.February, 20),
			Note:      "IT Amendment Rules 2026 (notified 10 Feb 2026; compliance from 20 Feb 2026); the 3 h rule rests on news and law-firm summaries.",
		},
		{
			ID: "in.it-rules.3-2-b.24h", Jurisdiction: IN, Regime: "IT Rules 2021 r.3(2)(b) NCII and sexual impersonation",
			Triggers: []Trigger{TriggerVictimRequest}, Duty: DutyDisableAccess, Deadline: 24 * time.Hour,
			Preserve: inRetention(),
			Citation: "IT Rules r.3(2)(b)", Confidence: Secondary,
			ValidUntil: date(2026, time.February, 20),
			Note:       "24 h under the 2021 text and the MeitY NCII SOP (Nov 2025).",
		},
		{
			ID: "in.it-rules.3-2-b.2h", Jurisdiction: IN, Regime: "IT Rules 2021 r.3(2)(b) as amended 2026",
			Triggers: []Trigger{TriggerVictimRequest}, Duty: DutyDisableAccess, Deadline: 2 * time.Hour,
			Preserve: inRetention(),
			Citation: "IT Rules r.3(2)(b)", Confidence: Secondary, Uncertain: true,
			ValidFrom: date(2026, time.February, 20),
			Note:      "Reportedly 2 h under the 2026 amendment (secondary sources only). SSMIs use hash matching; hashes go to I4C via Sahyog.",
		},
		{
			ID: "in.it-rules.3-2-b.acknowledge", Jurisdiction: IN, Regime: "IT Rules 2021 r.3(2)(b) acknowledge the complainant",
			Triggers: []Trigger{TriggerVictimRequest}, Duty: DutyAcknowledge, Deadline: 24 * time.Hour, Operational: true,
			Citation: "IT Rules r.3(2)(b)", Confidence: Secondary, Uncertain: true,
			Note: "Acknowledge the complainant; no clock in the reference: 24 h is an operational target.",
		},
		// ---- Brazil ----
		{
			ID: "br.eca-digital.remove", Jurisdiction: BR, Regime: "ECA Digital (Lei 15.211/2025) removal",
			Triggers: knowledge, Categories: catBRECA, Duty: DutyRemove, Clock: "immediately",
			Citation: "Lei 15.211/2025", Confidence: Secondary,
			Note: "In force around March 2026 under MP 1.319/2025. Content violating children's rights must also come down on " +
				"notice from the victim, their representatives, the MP or child-rights bodies, without a court order.",
		},
		{
			ID: "br.eca-digital.notify-authorities", Jurisdiction: BR, Regime: "ECA Digital (Lei 15.211/2025) notify authorities",
			Triggers: knowledge, Categories: catBRECA, Duty: DutyReport, To: "AUTHORITIES", Clock: "immediately",
			Citation: "Lei 15.211/2025", Confidence: Secondary,
			Note: "Notify national and international authorities; record one reported event per authority (the first to " +
				"\"AUTHORITIES\" meets this deadline).",
		},
		{
			ID: "br.marco-civil.unavailable", Jurisdiction: BR, Regime: "Marco Civil arts. 19/21 after the STF ruling",
			Triggers: knowledge, Duty: DutyDisableAccess, Clock: "diligent",
			Preserve: []Retention{{What: "access logs", Period: 182 * day, From: EventOpened}},
			Citation: "STF RE 1.037.396 / 1.057.258", Confidence: Secondary, Uncertain: true,
			Note: "Extrajudicial notice for crimes in general; no notice needed for grave crimes, including crimes against " +
				"children. \"Diligent\" or immediate; no fixed hours. Access logs 6 months (MCI art. 15) [U].",
		},
	}
	return p.Clone()
}

func gbRetention() []Retention {
	return []Retention{
		{What: "content, submitted information, basis for the CSEA judgement and the user's relevant data from the prior 2 weeks",
			Period: year, From: EventReported, Agency: "NCA"},
		{What: "NCA reference", Period: 5 * year, From: EventReported, Agency: "NCA"},
	}
}

func inRetention() []Retention {
	// 180 days (r.3(1)(g)) is [U] in the reference, also under rules whose deadline is not.
	return []Retention{{What: "information and associated records", Period: 180 * day, From: EventActioned, Uncertain: true}}
}
