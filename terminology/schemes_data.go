package terminology

// schemeTable describes every scheme, in the order Schemes returns them.
func schemeTable() []SchemeInfo {
	return []SchemeInfo{
		{Scheme: SchemeICSE, Name: "INTERPOL ICSE Baseline", Edition: "Baseline severity criteria as published by INTERPOL",
			Citation: citeINTERPOL, Confidence: ConfidenceVerified,
			Note: "A single criterion, not a grading: material either meets Baseline or does not. The three criteria as usually stated (real child; prepubescent, under about 13; sexual activity or anal/genital focus) are [S]."},
		{Scheme: SchemeICCAM, Name: "INHOPE ICCAM legal assessment", Edition: "ICCAM assessment values",
			Citation: citeICCAM, Confidence: ConfidenceVerified,
			Note: "Records legality, not severity. A national assessment holds only for the assessing hotline's jurisdiction."},
		{Scheme: SchemeIndustry, Name: "Tech Coalition Industry Classification System", Edition: "2022 revision (published July 2022)",
			Citation: citeIndustry, Confidence: ConfidenceVerified,
			Note: "Age axis is developmental (puberty), not chronological; content axis follows 18 U.S.C. 2256(2)(A). In a CyberTipline report only files with fileRelevance Reported may carry it, and only under the Industry Hash Sharing MOU."},
		{Scheme: SchemeUK, Name: "UK indecent images of children categories", Edition: "Sentencing Council categories in force from 1 April 2014; CJA 2009 s.62 prohibited images",
			Citation: citeUKSC + "; " + citeCJA2009, Confidence: ConfidenceVerified,
			Note: "A and B turn on penetration, not on age; prohibited (non-photographic) images fall outside A/B/C."},
		{Scheme: SchemeSAP, Name: "UK Sentencing Advisory Panel (Oliver) levels", Edition: "Levels 1-5, used before 1 April 2014",
			Citation: citeSAP, Confidence: ConfidenceVerified,
			Note: "Historical; the level-to-category mapping is [S]."},
		{Scheme: SchemeCOPINE, Name: "COPINE scale", Edition: "10 levels (MISP taxonomy copine-scale)",
			Citation: citeCOPINE, Confidence: ConfidenceVerified,
			Note: "Academic and historical; levels 1-3 are usually legal. Mappings to SAP and UK categories are [S]."},
		{Scheme: SchemeNCMECIncident, Name: "NCMEC CyberTipline incidentType", Edition: "CyberTipline API XSD, November 2025",
			Citation: citeNCMECXSD, Confidence: ConfidenceVerified,
			Note: "Exactly one per report. Legacy values are accepted on input and never emitted."},
		{Scheme: SchemeNCMECFileAnnotation, Name: "NCMEC CyberTipline fileAnnotations", Edition: "CyberTipline API XSD, November 2025",
			Citation: citeNCMECXSD, Confidence: ConfidenceVerified,
			Note: "Flags on a file; several may apply."},
		{Scheme: SchemeNCMECReportAnnotation, Name: "NCMEC CyberTipline reportAnnotations", Edition: "CyberTipline API XSD, November 2025",
			Citation: citeNCMECXSD, Confidence: ConfidenceVerified,
			Note: "Flags on a report; several may apply. Values seen only in third-party clients are accepted as legacy and never emitted."},
		{Scheme: SchemeDSACategory, Name: "DSA Transparency Database statement category", Edition: "Schema v2 (submissions from 1 July 2025)",
			Citation: citeDSA, Confidence: ConfidenceVerified,
			Note: "One category per statement, plus optional category_addition values. Send the constant name, not the label."},
		{Scheme: SchemeDSAKeyword, Name: "DSA Transparency Database category specification keywords", Edition: "Schema v2 (submissions from 1 July 2025)",
			Citation: citeDSA, Confidence: ConfidenceVerified,
			Note: "Several per statement. The database does not check that a keyword belongs to the statement's category; Category.Group gives the pairing where the source states it. Never use the NON_CONSENSUAL keywords for minors: their labels exclude content depicting minors."},
	}
}

// cat builds a current category row.
func cat(s Scheme, wire, label, cite string, conf Confidence, terms ...string) catRow {
	return catRow{c: Category{Scheme: s, Wire: wire, Label: label, Citation: cite, Confidence: conf}, terms: terms}
}

// with returns r with its validity period set.
func (r catRow) valid(from, to string) catRow {
	r.c.ValidFrom, r.c.ValidTo = from, to
	return r
}

// note returns r with its note set.
func (r catRow) note(n string) catRow {
	r.c.Note = n
	return r
}

// group returns r with its group (the key of the enclosing category) set.
func (r catRow) group(key string) catRow {
	r.c.Group = key
	return r
}

// legacy marks r as a retired value replaced by successor (a wire string of the
// same scheme, or "" when removed), related to it with fidelity f.
func (r catRow) legacy(successor string, f Fidelity) catRow {
	r.c.Legacy = true
	r.c.ReplacedBy = successor
	r.replaceFidelity = f
	return r
}

const (
	ncmecCP         = "Child Pornography (possession, manufacture, and distribution)"
	ncmecEnticement = "Online Enticement of Children for Sexual Acts"

	dsaMinors   = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
	dsaViolence = "STATEMENT_CATEGORY_VIOLENCE"

	keyDSAMinors   = "dsa.category:" + dsaMinors
	keyDSAViolence = "dsa.category:" + dsaViolence
)

// categoryTable returns every category of every scheme, in scheme order and
// then in the order each scheme lists its values. Fresh on every call.
func categoryTable() []catRow {
	rows := []catRow{
		// INTERPOL ICSE Baseline.
		cat(SchemeICSE, "baseline", "Baseline", citeINTERPOL, ConfidenceVerified, "csam").
			note("Meets INTERPOL's Baseline severity criteria, intended to be illegal in every country: a real (not drawn, CGI or AI) prepubescent child, in sexual activity or with focus on the anal or genital region. Criteria wording [S]."),

		// INHOPE / ICCAM legal assessment.
		cat(SchemeICCAM, "baseline", "Baseline (internationally illegal)", citeICCAM, ConfidenceVerified, "csam").
			note("Internationally illegal under INTERPOL's Baseline criteria; goes to ICSE."),
		cat(SchemeICCAM, "nationally illegal", "Nationally illegal", citeICCAM, ConfidenceVerified).
			note("Illegal in the assessing hotline's jurisdiction only; goes to ICSE. Implies no particular severity or term."),
		cat(SchemeICCAM, "not illegal", "Not illegal", citeICCAM, ConfidenceVerified).
			note("Not illegal in the assessing jurisdiction. It may still breach a platform's terms."),

		// Tech Coalition Industry Classification System.
		cat(SchemeIndustry, "A1", "Prepubescent Minor, Sex Act", citeIndustry, ConfidenceVerified, "csam").
			note("A prepubescent child in sexual intercourse (any genital, oral or anal combination), bestiality, masturbation, sadistic or masochistic abuse, or degradation."),
		cat(SchemeIndustry, "A2", "Prepubescent Minor, Lascivious Exhibition", citeIndustry, ConfidenceVerified, "csam").
			note("A prepubescent child's anus, genitals or pubic area shown lasciviously: the focal point, or staged to provoke a sexual response. Not \"non-explicit nudity or sexual posing\", which is broader."),
		cat(SchemeIndustry, "B1", "Pubescent Minor, Sex Act", citeIndustry, ConfidenceVerified, "csam").
			note("As A1, for a pubescent minor."),
		cat(SchemeIndustry, "B2", "Pubescent Minor, Lascivious Exhibition", citeIndustry, ConfidenceVerified, "csam").
			note("As A2, for a pubescent minor."),

		// UK.
		cat(SchemeUK, "A", "Category A", citeUKSC, ConfidenceVerified, "csam").valid("2014-04-01", "").
			note("Penetrative sexual activity, including oral; sexual activity with an animal; sadism."),
		cat(SchemeUK, "B", "Category B", citeUKSC, ConfidenceVerified, "csam").valid("2014-04-01", "").
			note("Non-penetrative sexual activity."),
		cat(SchemeUK, "C", "Category C", citeUKSC, ConfidenceVerified, "csam").valid("2014-04-01", "").
			note("Other indecent images not in A or B; per HMICFRS, showing no sexual activity."),
		cat(SchemeUK, "prohibited", "Prohibited image of a child", citeCJA2009, ConfidenceVerified, "csam.non_photographic").valid("2010-04-06", "").
			note("Non-photographic images (cartoons, drawings, non-photorealistic CGI) under CJA 2009 s.62; outside A/B/C. Wire string is mnr's own (PROPOSAL): no official code exists. ValidFrom is the commencement of s.62 [U]."),

		// SAP levels (historical).
		cat(SchemeSAP, "1", "Level 1", citeSAP, ConfidenceVerified, "csam").valid("", "2014-04-01").
			note("Erotic posing with no sexual activity."),
		cat(SchemeSAP, "2", "Level 2", citeSAP, ConfidenceVerified, "csam").valid("", "2014-04-01").
			note("Non-penetrative sexual activity between children, or solo masturbation by a child."),
		cat(SchemeSAP, "3", "Level 3", citeSAP, ConfidenceVerified, "csam").valid("", "2014-04-01").
			note("Non-penetrative sexual activity between adults and children."),
		cat(SchemeSAP, "4", "Level 4", citeSAP, ConfidenceVerified, "csam").valid("", "2014-04-01").
			note("Penetrative sexual activity involving children, or children and adults."),
		cat(SchemeSAP, "5", "Level 5", citeSAP, ConfidenceVerified, "csam").valid("", "2014-04-01").
			note("Sadism, or penetration of or by an animal."),

		// COPINE scale.
		cat(SchemeCOPINE, "1", "Indicative", citeCOPINE, ConfidenceVerified, "csem").
			note("Innocent pictures (underwear, swimwear, family photos) that look inappropriate only because of how they were collected. Usually legal."),
		cat(SchemeCOPINE, "2", "Nudist", citeCOPINE, ConfidenceVerified, "csem").
			note("Naked or semi-naked children in genuine nudist settings. Usually legal."),
		cat(SchemeCOPINE, "3", "Erotica", citeCOPINE, ConfidenceVerified, "csem").
			note("Covert photos of children in play areas showing underwear or nakedness. Usually legal, or borderline."),
		cat(SchemeCOPINE, "4", "Posing", citeCOPINE, ConfidenceVerified, "csem").
			note("Children deliberately posed, where quantity or context suggests sexual interest. Borderline."),
		cat(SchemeCOPINE, "5", "Erotic posing", citeCOPINE, ConfidenceVerified, "csem").
			note("Deliberately sexual or provocative poses."),
		cat(SchemeCOPINE, "6", "Explicit erotic posing", citeCOPINE, ConfidenceVerified, "csam").
			note("Emphasis on the genital area."),
		cat(SchemeCOPINE, "7", "Explicit sexual activity", citeCOPINE, ConfidenceVerified, "csam").
			note("Touching, masturbation, oral sex or intercourse between children, with no adult."),
		cat(SchemeCOPINE, "8", "Assault", citeCOPINE, ConfidenceVerified, "csam").
			note("Sexual assault by an adult involving digital touching."),
		cat(SchemeCOPINE, "9", "Gross assault", citeCOPINE, ConfidenceVerified, "csam").
			note("Penetrative sex, masturbation or oral sex involving an adult."),
		cat(SchemeCOPINE, "10", "Sadistic/bestiality", citeCOPINE, ConfidenceVerified, "csam").
			note("Bondage, beating or pain, or an animal involved."),

		// NCMEC CyberTipline incidentType.
		cat(SchemeNCMECIncident, ncmecCP, ncmecCP, citeNCMECXSD, ConfidenceVerified, "csam"),
		cat(SchemeNCMECIncident, "Child Sex Trafficking", "Child Sex Trafficking", citeNCMECXSD, ConfidenceVerified, "trafficking"),
		cat(SchemeNCMECIncident, "Child Sex Tourism", "Child Sex Tourism", citeNCMECXSD, ConfidenceVerified, "travel_tourism").
			note("NCMEC's wire value keeps wording the Luxembourg Guidelines avoid; never show it in a UI."),
		cat(SchemeNCMECIncident, "Child Sexual Molestation", "Child Sexual Molestation", citeNCMECXSD, ConfidenceVerified, "contact_abuse").
			note("NCMEC's public description still reads \"extra-familial child sexual molestation\"."),
		cat(SchemeNCMECIncident, "Misleading Domain Name", "Misleading Domain Name", citeNCMECXSD, ConfidenceVerified, "facilitation.misleading_domain"),
		cat(SchemeNCMECIncident, "Misleading Words or Digital Images on the Internet", "Misleading Words or Digital Images on the Internet", citeNCMECXSD, ConfidenceVerified, "facilitation.misleading_content"),
		cat(SchemeNCMECIncident, ncmecEnticement, ncmecEnticement, citeNCMECXSD, ConfidenceVerified, "grooming").
			note("Plural \"Sexual Acts\"; a singular spelling in one third-party client is a typo. Sextortion is filed under this type with the sextortion report annotation [S]."),
		cat(SchemeNCMECIncident, "Unsolicited Obscene Material Sent to a Child", "Unsolicited Obscene Material Sent to a Child", citeNCMECXSD, ConfidenceVerified, "sexual_content_to_child"),
		cat(SchemeNCMECIncident, "Child Prostitution", "Child Prostitution", citeNCMECOld, ConfidenceVerified, "exploitation_in_prostitution").
			legacy("Child Sex Trafficking", FidelityBroader),
		cat(SchemeNCMECIncident, "Child Sexual Molestation (not by family member)", "Child Sexual Molestation (not by family member)", citeNCMECOld, ConfidenceVerified, "contact_abuse").
			legacy("Child Sexual Molestation", FidelityBroader),

		// NCMEC CyberTipline fileAnnotations.
		cat(SchemeNCMECFileAnnotation, "animeDrawingVirtualHentai", "Anime, drawing, virtual or hentai", citeNCMECXSD, ConfidenceVerified, "csam.non_photographic").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "potentialMeme", "Potential meme", citeNCMECXSD, ConfidenceVerified, "ctx.potential_meme").
			note("Label is mnr's. A legacy standalone potentialMeme boolean also exists on the file; this is the annotation flag."),
		cat(SchemeNCMECFileAnnotation, "viral", "Viral", citeNCMECXSD, ConfidenceVerified, "ctx.viral").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "possibleSelfProduction", "Possible self-production", citeNCMECXSD, ConfidenceVerified, "csam.self_generated").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "physicalHarm", "Physical harm", citeNCMECXSD, ConfidenceVerified, "ctx.physical_harm").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "violenceGore", "Violence or gore", citeNCMECXSD, ConfidenceVerified, "ctx.violence_gore").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "bestiality", "Bestiality", citeNCMECXSD, ConfidenceVerified, "ctx.bestiality").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "liveStreaming", "Live streaming", citeNCMECXSD, ConfidenceVerified, "ctx.livestream").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "infant", "Infant", citeNCMECXSD, ConfidenceVerified, "ctx.infant").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECFileAnnotation, "generativeAi", "Generative AI", citeNCMECXSD, ConfidenceVerified, "csam.ai_generated").
			note("Label is mnr's; NCMEC publishes only the flag name."),

		// NCMEC CyberTipline reportAnnotations.
		cat(SchemeNCMECReportAnnotation, "sextortion", "Sextortion", citeNCMECXSD, ConfidenceVerified, "sextortion").
			note("Wire value only; in UI copy say \"sexual extortion of children\". Label is mnr's."),
		cat(SchemeNCMECReportAnnotation, "csamSolicitation", "CSAM solicitation", citeNCMECXSD, ConfidenceVerified, "csam.solicitation").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECReportAnnotation, "minorToMinorInteraction", "Minor-to-minor interaction", citeNCMECXSD, ConfidenceVerified, "ctx.minor_to_minor").
			note("Label is mnr's; in UI copy say \"interaction between children\"."),
		cat(SchemeNCMECReportAnnotation, "spam", "Spam", citeNCMECXSD, ConfidenceVerified).
			note("Label is mnr's; NCMEC publishes only the flag name. Implies no harm term."),
		cat(SchemeNCMECReportAnnotation, "sadisticOnlineExploitation", "Sadistic online exploitation", citeNCMECXSD, ConfidenceVerified, "sadistic_exploitation").
			note("Label is mnr's; NCMEC publishes only the flag name."),
		cat(SchemeNCMECReportAnnotation, "informational", "Informational", citeNCMEC3P, ConfidencePartial).legacy("", FidelityNone).
			note("Not in the November 2025 XSD; accepted on input, never emitted unless the live XSD adds it."),
		cat(SchemeNCMECReportAnnotation, "potentialAggravatingFactors", "Potential aggravating factors", citeNCMEC3P, ConfidencePartial).legacy("", FidelityNone).
			note("Not in the November 2025 XSD; accepted on input, never emitted unless the live XSD adds it."),
		cat(SchemeNCMECReportAnnotation, "instrumentalUse", "Instrumental use", citeNCMEC3P, ConfidencePartial).legacy("", FidelityNone).
			note("Not in the November 2025 XSD; accepted on input, never emitted unless the live XSD adds it."),
	}
	rows = append(rows, dsaCategoryRows()...)
	rows = append(rows, dsaKeywordRows()...)
	return rows
}
