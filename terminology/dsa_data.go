package terminology

import (
	"slices"
	"strings"
)

// DSA Transparency Database tables. Labels are verbatim from the database's API
// documentation (the rendered STATEMENT_CATEGORIES and KEYWORDS lists); the
// grouping of keywords under categories follows the Commission's two-level
// classification (Implementing Regulation on transparency reporting, Annex II)
// as a third-party client encodes it, hence [S] for Group.

const (
	citeDSAGroup = "Keyword grouping: Commission Implementing Regulation on transparency reporting templates, Annex II, as encoded by a third-party DSA client (eu.europa.ec.dsa.transparency MemberStateOrders) [S]"
	dsaV2From    = "2025-07-01"
)

// dsaCategoryRows returns the statement categories: the 16 of schema v2, then
// the v1 values that v2 retired.
func dsaCategoryRows() []catRow {
	c := func(wire, label string) catRow {
		return cat(SchemeDSACategory, wire, label, citeDSA, ConfidenceVerified)
	}
	v1 := func(wire, label, successor string, f Fidelity) catRow {
		return cat(SchemeDSACategory, wire, label, citeDSAv1, ConfidencePartial).
			legacy(successor, f).valid("", dsaV2From)
	}
	return []catRow{
		c("STATEMENT_CATEGORY_ANIMAL_WELFARE", "Animal welfare"),
		c("STATEMENT_CATEGORY_CONSUMER_INFORMATION", "Consumer information infringements").valid(dsaV2From, ""),
		c("STATEMENT_CATEGORY_CYBER_VIOLENCE", "Cyber violence").valid(dsaV2From, ""),
		c("STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", "Cyber violence against women").valid(dsaV2From, ""),
		c("STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "Data protection and privacy violations"),
		c("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "Illegal or harmful speech"),
		c("STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "Intellectual property infringements"),
		c("STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "Negative effects on civic discourse or elections"),
		c("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "Type of alleged illegal content not specified by the notifier").valid(dsaV2From, ""),
		c("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "Other violation of provider\u2019s terms and conditions").valid(dsaV2From, ""),
		c(dsaMinors, "Protection of minors").
			note("The category for child sexual abuse and exploitation. It also covers non-sexual harms to minors (age restrictions, unsafe challenges), so it implies no particular term."),
		c("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "Risk for public security"),
		c("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "Scams and/or fraud"),
		c("STATEMENT_CATEGORY_SELF_HARM", "Self-harm"),
		c("STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "Unsafe, non-compliant or prohibited products").valid(dsaV2From, ""),
		c(dsaViolence, "Violence").
			note("Child trafficking goes here, with Protection of minors as a category_addition."),

		v1("STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS", "Unsafe and/or illegal products", "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", FidelityExact),
		v1("STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", "Scope of platform service", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", FidelityExact),
		v1("STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR", "Non-consensual behaviour", "", FidelityNone).
			note("Removed in v2 with no successor."),
		v1("STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT", "Pornography or sexualized content", "", FidelityNone).
			note("Removed in v2 with no successor."),
	}
}

// dsaKeywordRows returns the category-specification keywords of schema v2,
// then the v1 values that v2 renamed or removed.
func dsaKeywordRows() []catRow {
	var rows []catRow
	groups := []struct {
		category string
		keywords [][2]string // wire, label
	}{
		{"STATEMENT_CATEGORY_ANIMAL_WELFARE", [][2]string{
			{"KEYWORD_ANIMAL_HARM", "Animal harm"},
			{"KEYWORD_UNLAWFUL_SALE_ANIMALS", "Unlawful sale of animals"},
		}},
		{"STATEMENT_CATEGORY_CONSUMER_INFORMATION", [][2]string{
			{"KEYWORD_HIDDEN_ADVERTISEMENT", "Hidden advertisement or commercial communication, including by influencers"},
			{"KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS", "Insufficient information on traders"},
			{"KEYWORD_MISLEADING_INFO_GOODS_SERVICES", "Misleading information about the characteristics of the goods and services"},
			{"KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS", "Misleading information about the consumer\u2019s rights"},
			{"KEYWORD_NONCOMPLIANCE_PRICING", "Non-compliance with pricing regulations"},
		}},
		{"STATEMENT_CATEGORY_CYBER_VIOLENCE", [][2]string{
			{"KEYWORD_CYBER_BULLYING_INTIMIDATION", "Cyber bullying and intimidation"},
			{"KEYWORD_CYBER_HARASSMENT", "Cyber harassment"},
			{"KEYWORD_CYBER_INCITEMENT", "Cyber incitement to hatred or violence"},
			{"KEYWORD_CYBER_STALKING", "Cyber stalking"},
			{"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING", "Non-consensual (intimate) material sharing, including (image-based) sexual abuse (excluding content depicting minors)"},
			{"KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE", "Non-consensual sharing of material containing deepfake or similar technology using a third party's features (excluding content depicting minors)"},
		}},
		{"STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", [][2]string{
			{"KEYWORD_BULLYING_AGAINST_GIRLS", "Cyber bullying and intimidation against girls"},
			{"KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN", "Cyber harassment against women"},
			{"KEYWORD_CYBER_STALKING_AGAINST_WOMEN", "Cyber stalking against women"},
			{"KEYWORD_FEMALE_GENDERED_DISINFORMATION", "Gendered disinformation"},
			{"KEYWORD_INCITEMENT_AGAINST_WOMEN", "Illegal incitement to violence and hatred against women"},
			{"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN", "Non-consensual (intimate) material sharing against women, including (image-based) sexual abuse against women (excluding content depicting minors)"},
			{"KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN", "Non-consensual sharing of material containing deepfake or similar technology using a third party's features against women (excluding content depicting minors)"},
		}},
		{"STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", [][2]string{
			{"KEYWORD_BIOMETRIC_DATA_BREACH", "Biometric data breach"},
			{"KEYWORD_DATA_FALSIFICATION", "Data falsification"},
			{"KEYWORD_MISSING_PROCESSING_GROUND", "Missing processing ground for data"},
			{"KEYWORD_RIGHT_TO_BE_FORGOTTEN", "Right to be forgotten"},
		}},
		{"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", [][2]string{
			{"KEYWORD_DEFAMATION", "Defamation"},
			{"KEYWORD_DISCRIMINATION", "Discrimination"},
			{"KEYWORD_HATE_SPEECH", "Illegal incitement to violence and hatred based on protected characteristics (hate speech)"},
		}},
		{"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", [][2]string{
			{"KEYWORD_COPYRIGHT_INFRINGEMENT", "Copyright infringements"},
			{"KEYWORD_DESIGN_INFRINGEMENT", "Design infringements"},
			{"KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT", "Geographic indications infringements"},
			{"KEYWORD_PATENT_INFRINGEMENT", "Patent infringements"},
			{"KEYWORD_TRADE_SECRET_INFRINGEMENT", "Trade secret infringements"},
			{"KEYWORD_TRADEMARK_INFRINGEMENT", "Trademark infringements"},
		}},
		{"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", [][2]string{
			{"KEYWORD_MISINFORMATION_DISINFORMATION", "Misinformation, disinformation, foreign information manipulation and interference"},
			{"KEYWORD_VIOLATION_EU_LAW", "Violation of EU law relevant to civic discourse or elections"},
			{"KEYWORD_VIOLATION_NATIONAL_LAW", "Violation of national law relevant to civic discourse or elections"},
		}},
		{dsaMinors, [][2]string{
			{"KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS", "Age-specific restrictions concerning minors"},
			{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", "Child sexual abuse material"},
			{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE", "Child sexual abuse material containing deepfake or similar technology"},
			{"KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS", "Grooming/sexual enticement of minors"},
			{"KEYWORD_UNSAFE_CHALLENGES", "Unsafe challenges"},
		}},
		{"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", [][2]string{
			{"KEYWORD_ILLEGAL_ORGANIZATIONS", "Illegal organizations"},
			{"KEYWORD_RISK_ENVIRONMENTAL_DAMAGE", "Risk for environmental damage"},
			{"KEYWORD_RISK_PUBLIC_HEALTH", "Risk for public health"},
			{"KEYWORD_TERRORIST_CONTENT", "Terrorist content"},
		}},
		{"STATEMENT_CATEGORY_SCAMS_AND_FRAUD", [][2]string{
			{"KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING", "Impersonation or account hijacking"},
			{"KEYWORD_INAUTHENTIC_ACCOUNTS", "Inauthentic accounts"},
			{"KEYWORD_INAUTHENTIC_LISTINGS", "Inauthentic listings"},
			{"KEYWORD_INAUTHENTIC_USER_REVIEWS", "Inauthentic user reviews"},
			{"KEYWORD_PHISHING", "Phishing"},
			{"KEYWORD_PYRAMID_SCHEMES", "Pyramid schemes"},
		}},
		{"STATEMENT_CATEGORY_SELF_HARM", [][2]string{
			{"KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS", "Content promoting eating disorders"},
			{"KEYWORD_SELF_MUTILATION", "Self-mutilation"},
			{"KEYWORD_SUICIDE", "Suicide"},
		}},
		{"STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", [][2]string{
			{"KEYWORD_PROHIBITED_PRODUCTS", "Prohibited or restricted products"},
			{"KEYWORD_UNSAFE_PRODUCTS", "Unsafe or non-compliant products"},
		}},
		{dsaViolence, [][2]string{
			{"KEYWORD_COORDINATED_HARM", "Coordinated harm"},
			{"KEYWORD_INCITEMENT_VIOLENCE_HATRED", "General calls or incitement to violence and/or hatred"},
			{"KEYWORD_HUMAN_EXPLOITATION", "Human exploitation"},
			{"KEYWORD_HUMAN_TRAFFICKING", "Human trafficking"},
			{"KEYWORD_TRAFFICKING_WOMEN_GIRLS", "Trafficking in women and girls"},
		}},
		{"STATEMENT_CATEGORY_OTHER_VIOLATION_TC", [][2]string{
			{"KEYWORD_ADULT_SEXUAL_MATERIAL", "Adult sexual material"},
			{"KEYWORD_AGE_SPECIFIC_RESTRICTIONS", "Age-specific restrictions"},
			{"KEYWORD_GEOGRAPHICAL_REQUIREMENTS", "Geographical requirements"},
			{"KEYWORD_GOODS_SERVICES_NOT_PERMITTED", "Goods/services not permitted to be offered on the platform"},
			{"KEYWORD_LANGUAGE_REQUIREMENTS", "Language requirements"},
			{"KEYWORD_NUDITY", "Nudity"},
		}},
		{"", [][2]string{
			{"KEYWORD_STALKING", "Stalking"},
			{"KEYWORD_OTHER", "Not captured by any other keyword"},
		}},
	}
	newInV2 := map[string]bool{
		"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE": true, "KEYWORD_TRAFFICKING_WOMEN_GIRLS": true,
		"KEYWORD_CYBER_HARASSMENT": true, "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN": true,
		"KEYWORD_CYBER_INCITEMENT": true, "KEYWORD_CYBER_STALKING": true, "KEYWORD_CYBER_STALKING_AGAINST_WOMEN": true,
		"KEYWORD_FEMALE_GENDERED_DISINFORMATION": true, "KEYWORD_HIDDEN_ADVERTISEMENT": true,
		"KEYWORD_INCITEMENT_AGAINST_WOMEN": true, "KEYWORD_BULLYING_AGAINST_GIRLS": true,
		"KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS": true, "KEYWORD_MISLEADING_INFO_GOODS_SERVICES": true,
		"KEYWORD_NONCOMPLIANCE_PRICING": true, "KEYWORD_PROHIBITED_PRODUCTS": true, "KEYWORD_UNSAFE_PRODUCTS": true,
		"KEYWORD_VIOLATION_EU_LAW": true, "KEYWORD_VIOLATION_NATIONAL_LAW": true,
		"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN": true, "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN": true,
		// Renamed in v2: the new spelling is valid from v2.
		"KEYWORD_CYBER_BULLYING_INTIMIDATION": true, "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS": true,
		"KEYWORD_MISINFORMATION_DISINFORMATION": true, "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE": true,
	}
	terms := map[string][]string{
		"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL":          {"csam"},
		"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE": {"csam.manipulated"},
		"KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS":    {"grooming"},
	}
	notes := map[string]string{
		"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE":           "Added to the repository on 2025-02-26; required from 1 July 2025 (schema v2). mnr uses it for all synthetic or manipulated CSAM (PROPOSAL); whether fully synthetic material with no real likeness belongs here or under plain CSAM is unsettled. Add CONTENT_TYPE_SYNTHETIC_MEDIA.",
		"KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS":               "About age-gating; not for sending sexual content to a child.",
		"KEYWORD_HUMAN_TRAFFICKING":                              "For child trafficking, add Protection of minors as a category_addition.",
		"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING":                   "Excludes content depicting minors: never use it for children.",
		"KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE":               "Excludes content depicting minors: never use it for children.",
		"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN":     "Excludes content depicting minors: never use it for children.",
		"KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN": "Excludes content depicting minors: never use it for children.",
		"KEYWORD_STALKING":                                       "Listed in the v2 KEYWORDS; the classification gives it no category.",
		"KEYWORD_OTHER":                                          "Valid under every category; pair it with category_specification_other (free text, at most 500 characters).",
	}
	for _, g := range groups {
		for _, kw := range g.keywords {
			r := cat(SchemeDSAKeyword, kw[0], kw[1], citeDSA, ConfidenceVerified, terms[kw[0]]...)
			if g.category != "" {
				r = r.group("dsa.category:" + g.category)
				r.c.Citation += "; " + citeDSAGroup
			}
			if newInV2[kw[0]] {
				r = r.valid(dsaV2From, "")
			}
			r.c.Note = notes[kw[0]]
			rows = append(rows, r)
		}
	}

	// The database lists keywords alphabetically by their words ('_' sorts as a
	// space, so GEOGRAPHIC_INDICATIONS precedes GEOGRAPHICAL), KEYWORD_OTHER last.
	slices.SortStableFunc(rows, func(a, b catRow) int {
		if (a.c.Wire == "KEYWORD_OTHER") != (b.c.Wire == "KEYWORD_OTHER") {
			if a.c.Wire == "KEYWORD_OTHER" {
				return 1
			}
			return -1
		}
		return strings.Compare(strings.ReplaceAll(a.c.Wire, "_", " "), strings.ReplaceAll(b.c.Wire, "_", " "))
	})

	v1 := func(wire, label, successor string, f Fidelity, conf Confidence) catRow {
		return cat(SchemeDSAKeyword, wire, label, citeDSAv1, conf).legacy(successor, f).valid("", dsaV2From)
	}
	rows = append(rows,
		v1("KEYWORD_ONLINE_BULLYING_INTIMIDATION", "Online bullying/intimidation", "KEYWORD_CYBER_BULLYING_INTIMIDATION", FidelityExact, ConfidenceUnverified).
			note("Renamed in v2. Label not confirmed."),
		v1("KEYWORD_INSUFFICIENT_INFORMATION_TRADERS", "Insufficient information on traders", "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS", FidelityExact, ConfidenceUnverified).
			note("Renamed in v2. Label not confirmed."),
		v1("KEYWORD_DISINFORMATION", "Disinformation", "KEYWORD_MISINFORMATION_DISINFORMATION", FidelityBroader, ConfidenceUnverified).
			note("Renamed in v2. Label not confirmed."),
		v1("KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE", "Non-consensual items containing deepfake or similar technology using a third party's features", "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE", FidelityExact, ConfidenceUnverified).
			note("Renamed in v2. Label not confirmed. Excludes content depicting minors."),
		v1("KEYWORD_MISINFORMATION", "Misinformation", "", FidelityNone, ConfidenceUnverified).note("Removed in v2. Label not confirmed."),
		v1("KEYWORD_FOREIGN_INFORMATION_MANIPULATION", "Foreign information manipulation", "", FidelityNone, ConfidencePartial).note("Removed in v2."),
		v1("KEYWORD_REGULATED_GOODS_SERVICES", "Regulated goods and services", "", FidelityNone, ConfidenceUnverified).note("Removed in v2. Label not confirmed."),
		v1("KEYWORD_GENDER_BASED_VIOLENCE", "Gender-based violence", "", FidelityNone, ConfidencePartial).note("Removed in v2."),
		v1("KEYWORD_IMAGE_BASED_SEXUAL_ABUSE", "Image-based sexual abuse", "", FidelityNone, ConfidencePartial).
			note("Removed in v2. Its label excluded content depicting minors."),
		v1("KEYWORD_DANGEROUS_TOYS", "Dangerous toys", "", FidelityNone, ConfidencePartial).
			note("The v2 changelog lists it as removed, yet Statement::KEYWORDS still held it at the last check; accepted on input, never emitted."),
	)
	return rows
}
