package terminology

// Category keys used by the mapping tables.
const (
	kICSE     = "icse:baseline"
	kICCAMB   = "iccam:baseline"
	kICCAMNat = "iccam:nationally illegal"
	kICCAMNot = "iccam:not illegal"

	kA1 = "industry:A1"
	kA2 = "industry:A2"
	kB1 = "industry:B1"
	kB2 = "industry:B2"

	kUKA = "uk:A"
	kUKB = "uk:B"
	kUKC = "uk:C"
	kUKP = "uk:prohibited"

	kCP     = "ncmec.incident:" + ncmecCP
	kTraf   = "ncmec.incident:Child Sex Trafficking"
	kTour   = "ncmec.incident:Child Sex Tourism"
	kMol    = "ncmec.incident:Child Sexual Molestation"
	kMDom   = "ncmec.incident:Misleading Domain Name"
	kMWords = "ncmec.incident:Misleading Words or Digital Images on the Internet"
	kEnt    = "ncmec.incident:" + ncmecEnticement
	kObsc   = "ncmec.incident:Unsolicited Obscene Material Sent to a Child"

	kFAnime = "ncmec.file:animeDrawingVirtualHentai"
	kFGenAI = "ncmec.file:generativeAi"
	kFSelf  = "ncmec.file:possibleSelfProduction"
	kFLive  = "ncmec.file:liveStreaming"

	kRSext = "ncmec.report:sextortion"
	kRSol  = "ncmec.report:csamSolicitation"
	kRM2M  = "ncmec.report:minorToMinorInteraction"
	kRSad  = "ncmec.report:sadisticOnlineExploitation"

	kPOM      = keyDSAMinors
	kViolence = keyDSAViolence
	kScams    = "dsa.category:STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
	kSelfHarm = "dsa.category:STATEMENT_CATEGORY_SELF_HARM"

	kKwCSAM  = "dsa.keyword:KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"
	kKwDeep  = "dsa.keyword:KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE"
	kKwGroom = "dsa.keyword:KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"
	kKwTraf  = "dsa.keyword:KEYWORD_HUMAN_TRAFFICKING"
	kKwExpl  = "dsa.keyword:KEYWORD_HUMAN_EXPLOITATION"
	kKwOther = "dsa.keyword:KEYWORD_OTHER"

	// Targets of FidelityNone rows: the scheme with an empty wire.
	noICSE     = "icse:"
	noIndustry = "industry:"
	noUK       = "uk:"
	noSAP      = "uk.sap:"
	noIncident = "ncmec.incident:"
	noFile     = "ncmec.file:"
	noKeyword  = "dsa.keyword:"
	noICCAM    = "iccam:"
)

func x(from, to string, f Fidelity, note string) xrow {
	return xrow{from: from, to: to, f: f, note: note}
}

// xs builds one row per target with the same fidelity and note.
func xs(from string, f Fidelity, note string, to ...string) []xrow {
	rows := make([]xrow, len(to))
	for i, t := range to {
		rows[i] = x(from, t, f, note)
	}
	return rows
}

// Notes shared by several rows.
const (
	nAgeContent   = "the class turns on age stage (prepubescent or pubescent) and on sex act versus lascivious exhibition, which the source does not record"
	nPenetration  = "the UK category turns on penetration and activity, which the source does not record"
	nIndustryToUK = "UK A and B turn on penetration, Industry 1 and 2 on sex act versus exhibition: choose A for penetrative activity, bestiality or sadism, B for other sexual activity"
	nUKToIndustry = "UK categories carry no age stage: choose A for a prepubescent child, B for a pubescent one"
	nLegality     = "legality is assessed against a named jurisdiction; it never follows from severity alone"
	nDeepfake     = "use KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE instead for synthetic or manipulated material"
	nMinorsAdd    = "as a category_addition beside the primary category"
	nOther        = "no dedicated keyword: use KEYWORD_OTHER with category_specification_other"
)

// termMapTable maps term codes to scheme categories: what an encoder emits for
// a code. Codes without rows for a scheme fall back to their parent (Map).
func termMapTable() []xrow {
	var r []xrow
	add := func(rows ...xrow) { r = append(r, rows...) }
	addAll := func(rows []xrow) { r = append(r, rows...) }

	// ICSE Baseline.
	add(
		x("csam", kICSE, FidelityNarrower, "only material showing a real prepubescent child in sexual activity, or focused on the anal or genital region, meets Baseline"),
		x("csam.ai_generated", noICSE, FidelityNone, "Baseline covers real children only (no drawn, CGI or AI material), unless the image depicts an identified real victim"),
		x("csam.computer_generated", noICSE, FidelityNone, "Baseline covers real children only (no drawn, CGI or AI material)"),
		x("csam.manipulated", noICSE, FidelityNone, "Baseline covers recorded abuse of real children; a manipulated image qualifies only if it depicts an identified real victim's abuse"),
		x("csam.non_photographic", noICSE, FidelityNone, "drawn or non-photorealistic material never meets Baseline, which requires a real child"),
		x("csem", noICSE, FidelityNone, "Baseline requires sexual activity or anal/genital focus; material below the CSAM threshold never meets it"),
	)

	// ICCAM legal assessment.
	add(
		x("csam", kICCAMB, FidelityNarrower, "only where INTERPOL's Baseline criteria are met"),
		x("csam", kICCAMNat, FidelityLossy, "CSAM that misses Baseline is usually, not always, illegal in the assessing jurisdiction: "+nLegality),
		x("csam.ai_generated", kICCAMNat, FidelityLossy, "where local law covers realistic or pseudo images (EU Dir. 2011/93 Art. 2(c)(iv), UK pseudo-photographs, US 2256(8)(B)); never Baseline"),
		x("csam.computer_generated", kICCAMNat, FidelityLossy, "where local law covers computer-generated images; never Baseline"),
		x("csam.manipulated", kICCAMNat, FidelityLossy, "where local law covers pseudo images or identifiable minors; Baseline only for an identified real victim's abuse"),
		x("csam.non_photographic", kICCAMNat, FidelityLossy, "where national law criminalises drawn material (UK CJA 2009 s.62; US 1466A when obscene); never Baseline"),
		x("csem", kICCAMNat, FidelityLossy, "sexualised material below the CSAM threshold is illegal in some jurisdictions only: "+nLegality),
		x("csem", kICCAMNot, FidelityLossy, "much sexualised material is not illegal, yet may breach a platform's terms: "+nLegality),
	)

	// Tech Coalition Industry classification.
	addAll(xs("csam", FidelityNarrower, nAgeContent, kA1, kA2, kB1, kB2))
	addAll(xs("csam.ai_generated", FidelityLossy, "only where 18 U.S.C. 2256(8)(B) is met (indistinguishable from a real minor); then "+nAgeContent, kA1, kA2, kB1, kB2))
	addAll(xs("csam.manipulated", FidelityLossy, "only where 18 U.S.C. 2256(8)(C) is met (an identifiable minor); then "+nAgeContent, kA1, kA2, kB1, kB2))
	addAll(xs("csam.computer_generated", FidelityLossy, "only where 18 U.S.C. 2256(8)(B) or (C) is met; then "+nAgeContent, kA1, kA2, kB1, kB2))
	add(
		x("csam.non_photographic", noIndustry, FidelityNone, "drawings, cartoons and non-photorealistic CGI fall outside 18 U.S.C. 2256(8), which the Industry classes follow"),
		x("csem", noIndustry, FidelityNone, "only material meeting 18 U.S.C. 2256(2)(A) gets a class; record such material as csam"),
	)
	addAll(xs("ctx.infant", FidelityLossy, "the Industry scheme has no infant class: infants fall under A (prepubescent), and the infant file annotation keeps the distinction", kA1, kA2))

	// UK categories.
	addAll(xs("csam", FidelityNarrower, nPenetration, kUKA, kUKB, kUKC))
	add(x("csam", kUKP, FidelityNarrower, "only non-photographic material, outside A/B/C"))
	addAll(xs("csam.ai_generated", FidelityLossy, "graded A/B/C as a pseudo-photograph when photorealistic; "+nPenetration, kUKA, kUKB, kUKC))
	add(x("csam.ai_generated", kUKP, FidelityLossy, "a prohibited image when not photorealistic"))
	addAll(xs("csam.manipulated", FidelityLossy, "a pseudo-photograph (Protection of Children Act 1978 s.7), graded by what it shows; "+nPenetration, kUKA, kUKB, kUKC))
	addAll(xs("csam.computer_generated", FidelityLossy, "graded A/B/C as a pseudo-photograph when photorealistic; "+nPenetration, kUKA, kUKB, kUKC))
	add(
		x("csam.computer_generated", kUKP, FidelityLossy, "a prohibited image when not photorealistic"),
		x("csam.non_photographic", kUKP, FidelityNarrower, "a prohibited image must also be pornographic and grossly offensive (CJA 2009 s.62); non-photographic material is never graded A/B/C"),
		x("csem", kUKC, FidelityLossy, "only images a court would find indecent; many sexualised images are not"),
		x("csem.sexualised_imagery", kUKC, FidelityLossy, "erotic posing may be found indecent (Category C); innocent images used sexually are not indecent"),
		x("ctx.bestiality", kUKA, FidelityBroader, "sexual activity with an animal is Category A"),
		x("ctx.physical_harm", kUKA, FidelityLossy, "sadism is Category A, but physical harm is not always sadism"),
	)

	// SAP levels and COPINE (historical scales).
	addAll(xs("csam", FidelityNarrower, "historical scale: the level turns on the activity shown, which the code does not record", "uk.sap:1", "uk.sap:2", "uk.sap:3", "uk.sap:4", "uk.sap:5"))
	addAll(xs("csam", FidelityNarrower, "historical scale: the level turns on the activity shown, which the code does not record", "copine:6", "copine:7", "copine:8", "copine:9", "copine:10"))
	add(
		x("csam.non_photographic", noSAP, FidelityNone, "SAP levels graded photographs and pseudo-photographs only"),
		x("csam.non_photographic", "copine:", FidelityNone, "the COPINE scale grades photographs of real children"),
	)
	addAll(xs("csem", FidelityNarrower, "historical scale: levels 1-5 cover sexualised material below the CSAM threshold; the level depends on the image", "copine:1", "copine:2", "copine:3", "copine:4", "copine:5"))

	// NCMEC incident type.
	add(
		x("csam", kCP, FidelityExact, "the incident type for apparent child pornography (18 U.S.C. 2256(8)); the statutory wording stays on the wire"),
		x("csam.ai_generated", kCP, FidelityLossy, "covered where indistinguishable from a real minor (2256(8)(B)); add the generativeAi file annotation"),
		x("csam.computer_generated", kCP, FidelityLossy, "covered where indistinguishable from a real minor or showing an identifiable one (2256(8)(B), (C)); drawings are not"),
		x("csam.manipulated", kCP, FidelityLossy, "covered where an identifiable minor appears (2256(8)(C)); add generativeAi if generative AI made it"),
		x("csam.non_photographic", kCP, FidelityLossy, "outside 2256(8) (1466A may apply); NCMEC accepts it with the animeDrawingVirtualHentai annotation and decides"),
		x("csam.self_generated", kCP, FidelityBroader, "add the possibleSelfProduction file annotation, and minorToMinorInteraction where peers exchanged it"),
		x("csam.livestream_capture", kCP, FidelityBroader, "add the liveStreaming file annotation"),
		x("csam.trading", kCP, FidelityExact, "possession, manufacture and distribution"),
		x("csam.solicitation", kEnt, FidelityLossy, "when a child is asked for material; add the csamSolicitation report annotation"),
		x("csam.solicitation", kCP, FidelityLossy, "when adults or peers are asked for material; add the csamSolicitation report annotation"),
		x("csem", kCP, FidelityLossy, "only material that is apparent child pornography is reportable under this type"),
		x("csem.sexualised_imagery", noIncident, FidelityNone, "not apparent child pornography; it may be reported to NCMEC voluntarily"),
		x("grooming", kEnt, FidelityBroader, "online enticement (18 U.S.C. 2422(b)) is broader than grooming"),
		x("sextortion", kEnt, FidelityBroader, "filed as online enticement with the sextortion report annotation (third-party reading of NCMEC's documentation; confirm with NCMEC)"),
		x("live_abuse", kCP, FidelityLossy, "file the captured material as CP with the liveStreaming file annotation"),
		x("live_abuse", kTraf, FidelityLossy, "consider Child Sex Trafficking when a viewer pays a facilitator"),
		x("trafficking", kTraf, FidelityExact, "18 U.S.C. 1591"),
		x("exploitation_in_prostitution", kTraf, FidelityBroader, "the legacy value Child Prostitution is never emitted"),
		x("sale_of_children", kTraf, FidelityLossy, "sale (OPSC) and trafficking overlap but differ"),
		x("travel_tourism", kTour, FidelityExact, "the wire value keeps wording the Luxembourg Guidelines avoid; never show it in a UI"),
		x("contact_abuse", kMol, FidelityLossy, "NCMEC's description still reads \"extra-familial child sexual molestation\""),
		x("sexual_content_to_child", kObsc, FidelityLossy, "the incident type needs material that is obscene (18 U.S.C. 1470); other sexual content may fall outside it"),
		x("facilitation", noIncident, FidelityNone, "an umbrella code: map the specific facilitation code"),
		x("facilitation.misleading_domain", kMDom, FidelityExact, "18 U.S.C. 2252B"),
		x("facilitation.misleading_content", kMWords, FidelityExact, "18 U.S.C. 2252C"),
		x("facilitation.csam_generator", noIncident, FidelityNone, "no incident type fits a tool; report generated output as CP with the generativeAi annotation"),
		x("facilitation.nudify_service", noIncident, FidelityNone, "no incident type fits a tool; report generated output of a child as CP with the generativeAi annotation"),
		x("facilitation.offender_manual", noIncident, FidelityNone, "no incident type fits; file CP only if CSAM is attached"),
		x("sadistic_exploitation", kEnt, FidelityLossy, "with the sadisticOnlineExploitation report annotation"),
	)

	// NCMEC report annotations.
	add(
		x("sextortion", kRSext, FidelityExact, "the wire value only; say \"sexual extortion of children\" in UI copy"),
		x("sextortion.sexual", kRSext, FidelityBroader, "the annotation does not record the motive"),
		x("sextortion.sexual", kRSol, FidelityLossy, "when images were demanded"),
		x("sextortion.financial", kRSext, FidelityBroader, "the annotation does not record the motive"),
		x("csam.solicitation", kRSol, FidelityExact, "report annotation"),
		x("csam.self_generated", kRM2M, FidelityLossy, "where peers exchanged the material"),
		x("ctx.minor_to_minor", kRM2M, FidelityExact, "report annotation"),
		x("actor.child_hsb", kRM2M, FidelityLossy, "when every party to the interaction is a child"),
		x("sadistic_exploitation", kRSad, FidelityExact, "report annotation"),
	)

	// NCMEC file annotations.
	add(
		x("csam", noFile, FidelityNone, "plain CSAM takes no annotation; annotations add context such as generativeAi or infant"),
		x("csam.ai_generated", kFGenAI, FidelityExact, "file annotation"),
		x("csam.manipulated", kFGenAI, FidelityLossy, "only when generative AI did the manipulation"),
		x("csam.computer_generated", kFGenAI, FidelityLossy, "when generative AI made it"),
		x("csam.computer_generated", kFAnime, FidelityLossy, "when it is not photorealistic"),
		x("csam.non_photographic", kFAnime, FidelityExact, "file annotation"),
		x("csam.self_generated", kFSelf, FidelityBroader, "the flag marks possible, not established, self-production"),
		x("csam.livestream_capture", kFLive, FidelityExact, "file annotation"),
		x("live_abuse", kFLive, FidelityExact, "on each captured file"),
		x("ctx.infant", "ncmec.file:infant", FidelityExact, "file annotation"),
		x("ctx.bestiality", "ncmec.file:bestiality", FidelityExact, "file annotation"),
		x("ctx.physical_harm", "ncmec.file:physicalHarm", FidelityExact, "file annotation"),
		x("ctx.violence_gore", "ncmec.file:violenceGore", FidelityExact, "file annotation"),
		x("ctx.viral", "ncmec.file:viral", FidelityExact, "file annotation"),
		x("ctx.potential_meme", "ncmec.file:potentialMeme", FidelityExact, "file annotation"),
		x("ctx.livestream", kFLive, FidelityExact, "file annotation"),
	)

	// DSA statement category.
	for _, code := range []string{"csea", "csa", "cse", "csam", "csem", "grooming", "sextortion", "live_abuse",
		"sale_of_children", "travel_tourism", "contact_abuse", "sexual_content_to_child", "facilitation"} {
		add(x(code, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"))
	}
	add(
		x("sextortion.financial", kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
		x("sextortion.financial", kScams, FidelityLossy, "optional, "+nMinorsAdd),
		x("trafficking", kViolence, FidelityBroader, "the primary category, with KEYWORD_HUMAN_TRAFFICKING"),
		x("trafficking", kPOM, FidelityBroader, nMinorsAdd),
		x("exploitation_in_prostitution", kViolence, FidelityBroader, "the primary category, with KEYWORD_HUMAN_EXPLOITATION"),
		x("exploitation_in_prostitution", kPOM, FidelityBroader, nMinorsAdd),
		x("sadistic_exploitation", kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
		x("sadistic_exploitation", kSelfHarm, FidelityLossy, "optional, "+nMinorsAdd),
		x("sexting", kPOM, FidelityLossy, "only when coerced or shared without consent; consensual exchange between peers is not in itself abuse"),
	)

	// DSA keywords.
	add(
		x("csam", kKwCSAM, FidelityExact, "add "+kKwDeep[len("dsa.keyword:"):]+" as well for synthetic or manipulated material"),
		x("csam.ai_generated", kKwDeep, FidelityLossy, "mnr uses the deepfake keyword for all synthetic CSAM (PROPOSAL); for fully synthetic material with no real likeness the right keyword is unsettled; add CONTENT_TYPE_SYNTHETIC_MEDIA"),
		x("csam.manipulated", kKwDeep, FidelityExact, "add CONTENT_TYPE_SYNTHETIC_MEDIA"),
		x("csam.computer_generated", kKwDeep, FidelityLossy, "for synthetic or manipulated photorealistic material (PROPOSAL); add CONTENT_TYPE_SYNTHETIC_MEDIA"),
		x("csam.non_photographic", kKwCSAM, FidelityLossy, "where drawn material is illegal in the member state (illegal-content ground)"),
		x("csam.non_photographic", kKwOther, FidelityLossy, "otherwise under the terms and conditions"),
		x("csam.trading", kKwCSAM, FidelityBroader, "the keyword does not distinguish trading from other handling"),
		x("csam.solicitation", kKwGroom, FidelityLossy, "when a child is the target"),
		x("csam.solicitation", kKwCSAM, FidelityLossy, "when adults or peers are asked for material"),
		x("csem", kKwCSAM, FidelityLossy, "only where the material is illegal"),
		x("csem", kKwOther, FidelityLossy, "otherwise under the terms and conditions"),
		x("csem.sexualised_imagery", kKwOther, FidelityLossy, "usually under the terms and conditions only, unless illegal in the member state"),
		x("grooming", kKwGroom, FidelityExact, "Grooming/sexual enticement of minors"),
		x("sextortion", kKwGroom, FidelityLossy, "sexual extortion has no DSA keyword; the grooming keyword is the nearest"),
		x("sextortion", kKwOther, FidelityLossy, nOther+" (\"sexual extortion\")"),
		x("live_abuse", kKwCSAM, FidelityLossy, "the keyword does not record that the abuse was live"),
		x("trafficking", kKwTraf, FidelityBroader, "the keyword also covers adults; add Protection of minors as a category_addition"),
		x("exploitation_in_prostitution", kKwExpl, FidelityBroader, "the keyword also covers adults; add Protection of minors as a category_addition"),
		x("travel_tourism", kKwOther, FidelityLossy, nOther),
		x("contact_abuse", kKwOther, FidelityLossy, nOther),
		x("sexual_content_to_child", kKwOther, FidelityLossy, nOther+"; not KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS, which is about age-gating"),
		x("facilitation", kKwOther, FidelityLossy, nOther),
		x("facilitation.csam_generator", kKwDeep, FidelityLossy, "for the generated output"),
		x("facilitation.csam_generator", kKwOther, FidelityLossy, "for the tool itself: "+nOther),
		x("facilitation.nudify_service", kKwDeep, FidelityLossy, "for output depicting a child"),
		x("facilitation.nudify_service", kKwOther, FidelityLossy, "for the tool itself: "+nOther),
		x("sadistic_exploitation", kKwOther, FidelityLossy, nOther),
	)
	return r
}

// crosswalkTable maps categories of one scheme to categories of another. The
// grouping of DSA keywords under categories is added from Category.Group.
func crosswalkTable() []xrow {
	var r []xrow
	add := func(rows ...xrow) { r = append(r, rows...) }
	addAll := func(rows []xrow) { r = append(r, rows...) }

	// ICSE Baseline.
	add(
		x(kICSE, kICCAMB, FidelityExact, "ICCAM's baseline assessment applies INTERPOL's criteria"),
		x(kICSE, kCP, FidelityBroader, "Baseline material is apparent child pornography"),
		x(kICSE, kKwCSAM, FidelityBroader, "Baseline material is CSAM in every member state"),
		x(kICSE, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
	)
	addAll(xs(kICSE, FidelityLossy, "Baseline does not say sex act or exhibition; its real, prepubescent child is Industry age stage A", kA1, kA2))
	addAll(xs(kICSE, FidelityLossy, "Baseline does not record penetration; genital focus without activity is C", kUKA, kUKB, kUKC))

	// ICCAM.
	add(
		x(kICCAMB, kICSE, FidelityExact, "ICCAM's baseline assessment applies INTERPOL's criteria"),
		x(kICCAMNat, noICSE, FidelityNone, "nationally illegal material was not assessed as meeting Baseline"),
		x(kICCAMNot, noICSE, FidelityNone, "material that is not illegal never meets Baseline"),
		x(kICCAMNat, noIndustry, FidelityNone, "a legality finding carries no age stage or severity"),
		x(kICCAMNot, noIndustry, FidelityNone, "a legality finding carries no age stage or severity"),
		x(kICCAMNat, noUK, FidelityNone, "a legality finding carries no severity; grade the material itself"),
		x(kICCAMNot, noUK, FidelityNone, "a legality finding carries no severity; grade the material itself"),
		x(kICCAMB, kCP, FidelityBroader, "Baseline material is apparent child pornography"),
		x(kICCAMNat, kCP, FidelityLossy, "whether it is apparent child pornography under US law is a separate question"),
		x(kICCAMNot, noIncident, FidelityNone, "not illegal in the assessing jurisdiction; US law is a separate question"),
		x(kICCAMB, kKwCSAM, FidelityBroader, "Baseline material is CSAM in every member state"),
		x(kICCAMNat, kKwCSAM, FidelityLossy, "illegal-content ground in the assessing member state only"),
		x(kICCAMNot, noKeyword, FidelityNone, "use the terms-and-conditions ground; the keyword depends on the material"),
		x(kICCAMB, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
		x(kICCAMNat, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
	)
	addAll(xs(kICCAMB, FidelityLossy, "Baseline does not say sex act or exhibition; its real, prepubescent child is Industry age stage A", kA1, kA2))
	addAll(xs(kICCAMB, FidelityLossy, "Baseline does not record penetration; genital focus without activity is C", kUKA, kUKB, kUKC))

	// Industry.
	add(
		x(kA1, kICSE, FidelityLossy, "Baseline also requires a real child (A1 covers 2256(8)(B) synthetic images); assessors decide"),
		x(kA2, kICSE, FidelityLossy, "Baseline also requires a real child (A2 covers 2256(8)(B) synthetic images); assessors decide"),
		x(kB1, noICSE, FidelityNone, "Baseline requires a prepubescent child; assessors may differ for a pubescent child under 13"),
		x(kB2, noICSE, FidelityNone, "Baseline requires a prepubescent child; assessors may differ for a pubescent child under 13"),
		x(kA1, kICCAMB, FidelityLossy, "the likely assessment for a real child; "+nLegality),
		x(kA2, kICCAMB, FidelityLossy, "the likely assessment for a real child; "+nLegality),
		x(kB1, kICCAMNat, FidelityLossy, "pubescent material misses Baseline on age; "+nLegality),
		x(kB2, kICCAMNat, FidelityLossy, "pubescent material misses Baseline on age; "+nLegality),
		x(kA2, kUKC, FidelityBroader, "lascivious exhibition without activity is Category C, which also covers erotic posing"),
		x(kB2, kUKC, FidelityBroader, "lascivious exhibition without activity is Category C, which also covers erotic posing"),
		x(kA2, "copine:6", FidelityLossy, "COPINE 6 (explicit erotic posing) is the nearest level; it has no age stage"),
		x(kB2, "copine:6", FidelityLossy, "COPINE 6 (explicit erotic posing) is the nearest level; it has no age stage"),
	)
	addAll(xs(kA1, FidelityLossy, nIndustryToUK, kUKA, kUKB))
	addAll(xs(kB1, FidelityLossy, nIndustryToUK, kUKA, kUKB))
	for _, k := range []string{kA1, kA2, kB1, kB2} {
		add(
			x(k, kCP, FidelityBroader, "the class travels as industryClassification on a Reported file of a CP report"),
			x(k, kKwCSAM, FidelityBroader, nDeepfake),
			x(k, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
		)
	}

	// UK.
	addAll(xs(kUKA, FidelityLossy, nUKToIndustry, kA1, kB1))
	addAll(xs(kUKB, FidelityLossy, nUKToIndustry+"; non-penetrative activity is usually a sex act (1), sometimes exhibition (2)", kA1, kB1, kA2, kB2))
	addAll(xs(kUKC, FidelityNarrower, "C also covers erotic posing without genital focus, which has no Industry class; "+nUKToIndustry, kA2, kB2))
	add(x(kUKP, noIndustry, FidelityNone, "non-photographic material falls outside 18 U.S.C. 2256(8), which the Industry classes follow"))
	for _, k := range []string{kUKA, kUKB, kUKC} {
		add(
			x(k, kICSE, FidelityLossy, "Baseline applies only to a real prepubescent child (for C, with anal or genital focus)"),
			x(k, kICCAMB, FidelityLossy, "for a real prepubescent child meeting Baseline"),
			x(k, kICCAMNat, FidelityLossy, "illegal in the UK; ICCAM records the assessing hotline's jurisdiction"),
			x(k, kKwCSAM, FidelityBroader, nDeepfake),
			x(k, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
		)
	}
	add(
		x(kUKA, kCP, FidelityBroader, "apparent child pornography"),
		x(kUKB, kCP, FidelityBroader, "apparent child pornography"),
		x(kUKC, kCP, FidelityLossy, "Category C includes erotic posing that may not be apparent child pornography under 18 U.S.C. 2256"),
		x(kUKP, noICSE, FidelityNone, "Baseline covers real children only"),
		x(kUKP, kICCAMNat, FidelityLossy, "illegal in the UK; ICCAM records the assessing hotline's jurisdiction"),
		x(kUKP, kCP, FidelityLossy, "outside 2256(8); NCMEC accepts non-photographic material with the animeDrawingVirtualHentai annotation and decides"),
		x(kUKP, kFAnime, FidelityLossy, "the NCMEC flag also covers material that is not a prohibited image"),
		x(kUKP, kKwCSAM, FidelityLossy, "where non-photographic material is illegal in the member state"),
		x(kUKP, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"),
		x(kUKP, noSAP, FidelityNone, "SAP levels graded photographs and pseudo-photographs only"),
	)
	addAll(xs(kUKA, FidelityNarrower, "the 2014 category merged these levels", "uk.sap:4", "uk.sap:5"))
	addAll(xs(kUKB, FidelityNarrower, "the 2014 category merged these levels", "uk.sap:2", "uk.sap:3"))
	add(x(kUKC, "uk.sap:1", FidelityNarrower, "C covers other indecent images, beyond SAP 1's erotic posing"))

	// SAP levels (the level-to-category mapping is secondary).
	add(
		x("uk.sap:1", kUKC, FidelityBroader, "SAP 1 became Category C [S]"),
		x("uk.sap:2", kUKB, FidelityBroader, "SAP 2 became Category B [S]"),
		x("uk.sap:3", kUKB, FidelityBroader, "SAP 3 became Category B [S]"),
		x("uk.sap:4", kUKA, FidelityBroader, "SAP 4 became Category A [S]"),
		x("uk.sap:5", kUKA, FidelityBroader, "SAP 5 became Category A [S]"),
	)

	// COPINE (mappings to SAP and UK are secondary).
	for _, l := range []string{"1", "2", "3"} {
		add(
			x("copine:"+l, noUK, FidelityNone, "usually legal: not an indecent image"),
			x("copine:"+l, noSAP, FidelityNone, "below SAP level 1"),
		)
	}
	add(
		x("copine:4", kUKC, FidelityLossy, "borderline: Category C only where a court finds it indecent [S]"),
		x("copine:4", "uk.sap:1", FidelityLossy, "borderline: SAP 1 only where found indecent [S]"),
		x("copine:5", kUKC, FidelityBroader, "erotic posing is Category C [S]"),
		x("copine:5", "uk.sap:1", FidelityBroader, "SAP 1 [S]"),
		x("copine:6", kUKC, FidelityBroader, "explicit erotic posing is Category C [S]"),
		x("copine:6", "uk.sap:1", FidelityBroader, "SAP 1 [S]"),
		x("copine:7", kUKA, FidelityLossy, "Category A if penetrative [S]"),
		x("copine:7", kUKB, FidelityLossy, "Category B if not penetrative [S]"),
		x("copine:7", "uk.sap:2", FidelityBroader, "SAP 2 [S]"),
		x("copine:8", kUKB, FidelityBroader, "Category B [S]"),
		x("copine:8", "uk.sap:3", FidelityBroader, "SAP 3 [S]"),
		x("copine:9", kUKA, FidelityBroader, "Category A [S]"),
		x("copine:9", "uk.sap:4", FidelityBroader, "SAP 4 [S]"),
		x("copine:10", kUKA, FidelityBroader, "Category A [S]"),
		x("copine:10", "uk.sap:5", FidelityBroader, "SAP 5 [S]"),
	)
	addAll(xs("copine:6", FidelityLossy, "explicit erotic posing is lascivious exhibition (class 2); the scale has no age stage", kA2, kB2))

	// NCMEC incident types.
	addAll(xs(kCP, FidelityNarrower, nAgeContent+"; only under the Industry Hash Sharing MOU", kA1, kA2, kB1, kB2))
	add(
		x(kCP, kKwCSAM, FidelityLossy, "EU and US definitions differ (EU \"realistic images\", US \"indistinguishable\"); "+nDeepfake),
		x(kTraf, kKwTraf, FidelityBroader, "the keyword also covers adults; add Protection of minors as a category_addition"),
		x(kEnt, kKwGroom, FidelityLossy, "online enticement is broader than grooming; for sextortion the grooming keyword is the nearest"),
		x(kTour, kKwOther, FidelityLossy, nOther),
		x(kMol, kKwOther, FidelityLossy, nOther),
		x(kMDom, kKwOther, FidelityLossy, nOther),
		x(kMWords, kKwOther, FidelityLossy, nOther),
		x(kObsc, kKwOther, FidelityLossy, nOther+"; not KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS, which is about age-gating"),
		x(kTraf, kViolence, FidelityBroader, "the primary category, with KEYWORD_HUMAN_TRAFFICKING"),
		x(kTraf, kPOM, FidelityBroader, nMinorsAdd),
	)
	for _, k := range []string{kCP, kTour, kMol, kMDom, kMWords, kEnt, kObsc} {
		add(x(k, kPOM, FidelityBroader, "Protection of minors also covers non-sexual harms to minors"))
	}

	// NCMEC annotations.
	add(
		x(kFGenAI, kKwDeep, FidelityBroader, "mnr uses the deepfake keyword for all synthetic CSAM (PROPOSAL); add CONTENT_TYPE_SYNTHETIC_MEDIA"),
		x(kFAnime, kUKP, FidelityLossy, "a prohibited image must also be pornographic and grossly offensive (CJA 2009 s.62)"),
		x(kFAnime, kKwCSAM, FidelityLossy, "where drawn material is illegal in the member state"),
		x("ncmec.file:bestiality", kUKA, FidelityNarrower, "sexual activity with an animal is Category A"),
		x(kRSext, kKwGroom, FidelityLossy, "sexual extortion has no DSA keyword; the grooming keyword is the nearest"),
		x(kRSext, kKwOther, FidelityLossy, nOther+" (\"sexual extortion\")"),
	)
	addAll(xs("ncmec.file:infant", FidelityLossy, "the Industry scheme has no infant class: infants fall under A; the class still turns on sex act versus exhibition", kA1, kA2))

	// DSA keywords.
	add(
		x(kKwCSAM, kCP, FidelityLossy, "EU and US definitions differ (EU \"realistic images\", US \"indistinguishable\")"),
		x(kKwDeep, kCP, FidelityLossy, "where 18 U.S.C. 2256(8)(B) or (C) is met; add generativeAi where generative AI made it"),
		x(kKwDeep, kFGenAI, FidelityLossy, "only when generative AI made or altered it"),
		x(kKwGroom, kEnt, FidelityBroader, "online enticement is broader than grooming"),
		x(kKwTraf, kTraf, FidelityLossy, "only when the victim is a child and the purpose sexual"),
		x(kKwExpl, kTraf, FidelityLossy, "only when the victim is a child and the exploitation sexual"),
		x("dsa.keyword:KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS", noIncident, FidelityNone, "about age-gating; nothing to report to NCMEC"),
		x("dsa.keyword:KEYWORD_UNSAFE_CHALLENGES", noIncident, FidelityNone, "not a CyberTipline incident"),
	)
	for _, k := range []string{"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING", "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
		"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN", "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN"} {
		add(x("dsa.keyword:"+k, noIncident, FidelityNone, "the keyword excludes content depicting minors; material of a child is CSAM"))
	}
	add(x(kKwOther, noICCAM, FidelityNone, "KEYWORD_OTHER carries no meaning without its free text"))

	// DSA keyword to its category, from Category.Group.
	for _, row := range categoryTable() {
		c := row.c
		if c.Scheme != SchemeDSAKeyword || c.Legacy {
			continue
		}
		if c.Group == "" {
			if c.Wire == "KEYWORD_OTHER" {
				add(x(c.Key(), "dsa.category:", FidelityNone, "KEYWORD_OTHER is valid under every category"))
			} else {
				add(x(c.Key(), "dsa.category:", FidelityNone, "the classification gives this keyword no category"))
			}
			continue
		}
		add(xrow{from: c.Key(), to: c.Group, f: FidelityBroader, note: "the category the keyword belongs to", cite: citeDSAGroup})
	}
	return r
}
