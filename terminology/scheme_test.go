package terminology

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The exact current wire strings, typed from the terminology and reporting
// references (NCMEC XSD of November 2025, DSA schema v2, Tech Coalition). A
// change to any table must change this list too.
var wantCurrent = map[Scheme][]string{
	SchemeICSE:     {"baseline"},
	SchemeICCAM:    {"baseline", "nationally illegal", "not illegal"},
	SchemeIndustry: {"A1", "A2", "B1", "B2"},
	SchemeUK:       {"A", "B", "C", "prohibited"},
	SchemeSAP:      {"1", "2", "3", "4", "5"},
	SchemeCOPINE:   {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"},
	SchemeNCMECIncident: {
		"Child Pornography (possession, manufacture, and distribution)",
		"Child Sex Trafficking",
		"Child Sex Tourism",
		"Child Sexual Molestation",
		"Misleading Domain Name",
		"Misleading Words or Digital Images on the Internet",
		"Online Enticement of Children for Sexual Acts",
		"Unsolicited Obscene Material Sent to a Child",
	},
	SchemeNCMECFileAnnotation: {
		"animeDrawingVirtualHentai", "potentialMeme", "viral", "possibleSelfProduction", "physicalHarm",
		"violenceGore", "bestiality", "liveStreaming", "infant", "generativeAi",
	},
	SchemeNCMECReportAnnotation: {"sextortion", "csamSolicitation", "minorToMinorInteraction", "spam", "sadisticOnlineExploitation"},
	SchemeDSACategory: {
		"STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
		"STATEMENT_CATEGORY_CYBER_VIOLENCE", "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
		"STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
		"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
		"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
		"STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
		"STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
		"STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
		"STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
	},
	// Statement::KEYWORDS at HEAD, 69 values.
	SchemeDSAKeyword: strings.Fields(`KEYWORD_ADULT_SEXUAL_MATERIAL KEYWORD_AGE_SPECIFIC_RESTRICTIONS
		KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS KEYWORD_ANIMAL_HARM KEYWORD_BIOMETRIC_DATA_BREACH
		KEYWORD_BULLYING_AGAINST_GIRLS KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL
		KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS
		KEYWORD_COORDINATED_HARM KEYWORD_COPYRIGHT_INFRINGEMENT KEYWORD_CYBER_BULLYING_INTIMIDATION
		KEYWORD_CYBER_HARASSMENT KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN KEYWORD_CYBER_INCITEMENT
		KEYWORD_CYBER_STALKING KEYWORD_CYBER_STALKING_AGAINST_WOMEN KEYWORD_DATA_FALSIFICATION
		KEYWORD_DEFAMATION KEYWORD_DESIGN_INFRINGEMENT KEYWORD_DISCRIMINATION
		KEYWORD_FEMALE_GENDERED_DISINFORMATION KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT
		KEYWORD_GEOGRAPHICAL_REQUIREMENTS KEYWORD_GOODS_SERVICES_NOT_PERMITTED
		KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS KEYWORD_HATE_SPEECH KEYWORD_HIDDEN_ADVERTISEMENT
		KEYWORD_HUMAN_EXPLOITATION KEYWORD_HUMAN_TRAFFICKING KEYWORD_ILLEGAL_ORGANIZATIONS
		KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING KEYWORD_INAUTHENTIC_ACCOUNTS
		KEYWORD_INAUTHENTIC_LISTINGS KEYWORD_INAUTHENTIC_USER_REVIEWS
		KEYWORD_INCITEMENT_AGAINST_WOMEN KEYWORD_INCITEMENT_VIOLENCE_HATRED
		KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS KEYWORD_LANGUAGE_REQUIREMENTS
		KEYWORD_MISINFORMATION_DISINFORMATION KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS
		KEYWORD_MISLEADING_INFO_GOODS_SERVICES KEYWORD_MISSING_PROCESSING_GROUND
		KEYWORD_NON_CONSENSUAL_IMAGE_SHARING KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN
		KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN
		KEYWORD_NONCOMPLIANCE_PRICING KEYWORD_NUDITY KEYWORD_PATENT_INFRINGEMENT
		KEYWORD_PHISHING KEYWORD_PROHIBITED_PRODUCTS KEYWORD_PYRAMID_SCHEMES
		KEYWORD_RIGHT_TO_BE_FORGOTTEN KEYWORD_RISK_ENVIRONMENTAL_DAMAGE KEYWORD_RISK_PUBLIC_HEALTH
		KEYWORD_SELF_MUTILATION KEYWORD_STALKING KEYWORD_SUICIDE KEYWORD_TERRORIST_CONTENT
		KEYWORD_TRADE_SECRET_INFRINGEMENT KEYWORD_TRADEMARK_INFRINGEMENT
		KEYWORD_TRAFFICKING_WOMEN_GIRLS KEYWORD_UNLAWFUL_SALE_ANIMALS KEYWORD_UNSAFE_CHALLENGES
		KEYWORD_UNSAFE_PRODUCTS KEYWORD_VIOLATION_EU_LAW KEYWORD_VIOLATION_NATIONAL_LAW
		KEYWORD_OTHER`),
}

// Legacy values: accepted on input, never emitted, with their successors.
var wantLegacy = map[string]string{
	"ncmec.incident:Child Prostitution":                                 "Child Sex Trafficking",
	"ncmec.incident:Child Sexual Molestation (not by family member)":    "Child Sexual Molestation",
	"ncmec.report:informational":                                        "",
	"ncmec.report:potentialAggravatingFactors":                          "",
	"ncmec.report:instrumentalUse":                                      "",
	"dsa.category:STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS":       "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
	"dsa.category:STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE":         "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
	"dsa.category:STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR":          "",
	"dsa.category:STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT": "",
	"dsa.keyword:KEYWORD_ONLINE_BULLYING_INTIMIDATION":                  "KEYWORD_CYBER_BULLYING_INTIMIDATION",
	"dsa.keyword:KEYWORD_INSUFFICIENT_INFORMATION_TRADERS":              "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
	"dsa.keyword:KEYWORD_DISINFORMATION":                                "KEYWORD_MISINFORMATION_DISINFORMATION",
	"dsa.keyword:KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE":                 "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
	"dsa.keyword:KEYWORD_MISINFORMATION":                                "",
	"dsa.keyword:KEYWORD_FOREIGN_INFORMATION_MANIPULATION":              "",
	"dsa.keyword:KEYWORD_REGULATED_GOODS_SERVICES":                      "",
	"dsa.keyword:KEYWORD_GENDER_BASED_VIOLENCE":                         "",
	"dsa.keyword:KEYWORD_IMAGE_BASED_SEXUAL_ABUSE":                      "",
	"dsa.keyword:KEYWORD_DANGEROUS_TOYS":                                "",
}

func TestSchemeTablesExact(t *testing.T) {
	if got := len(Schemes()); got != len(wantCurrent) {
		t.Errorf("%d schemes, want %d", got, len(wantCurrent))
	}
	for _, info := range Schemes() {
		want, ok := wantCurrent[info.Scheme]
		if !ok {
			t.Errorf("scheme %q has no expected table", info.Scheme)
			continue
		}
		var got []string
		for _, c := range Categories(info.Scheme) {
			got = append(got, c.Wire)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Categories(%s) =\n%q\nwant\n%q", info.Scheme, got, want)
		}
		if info.Name == "" || info.Edition == "" || info.Citation == "" || info.Confidence == "" {
			t.Errorf("scheme %s is not fully described: %+v", info.Scheme, info)
		}
		if !info.Scheme.Valid() {
			t.Errorf("%s.Valid() = false", info.Scheme)
		}
		if got, err := info.Scheme.Info(); err != nil || got != info {
			t.Errorf("%s.Info() = %+v, %v", info.Scheme, got, err)
		}
	}
	var legacy []string
	for _, info := range Schemes() {
		for _, c := range AllCategories(info.Scheme) {
			if c.Legacy {
				legacy = append(legacy, c.Key())
				if want, ok := wantLegacy[c.Key()]; !ok || c.ReplacedBy != want {
					t.Errorf("legacy %s replaced by %q, want %q (listed: %v)", c.Key(), c.ReplacedBy, want, ok)
				}
			}
		}
	}
	if len(legacy) != len(wantLegacy) {
		t.Errorf("%d legacy values, want %d: %q", len(legacy), len(wantLegacy), legacy)
	}
	if Scheme("nope").Valid() {
		t.Error(`Scheme("nope").Valid() = true`)
	}
	if _, err := Scheme("nope").Info(); !errors.Is(err, ErrUnknownCategory) {
		t.Errorf("Info of unknown scheme: %v", err)
	}
}

var dateRE = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// Every table entry round-trips: wire -> ParseCategory -> Wire, and
// Key -> ParseCategoryKey -> Key, exactly; and is well formed.
func TestCategoriesRoundTrip(t *testing.T) {
	keys := map[string]bool{}
	for _, info := range Schemes() {
		for _, c := range AllCategories(info.Scheme) {
			t.Run(c.Key(), func(t *testing.T) {
				if keys[c.Key()] {
					t.Fatalf("duplicate key")
				}
				keys[c.Key()] = true
				got, err := ParseCategory(c.Scheme, c.Wire)
				if err != nil || got != c || got.Wire != c.Wire {
					t.Errorf("ParseCategory = %+v, %v", got, err)
				}
				got, err = ParseCategoryKey(c.Key())
				if err != nil || got != c || got.Key() != c.Key() || got.String() != c.Key() {
					t.Errorf("ParseCategoryKey = %+v, %v", got, err)
				}
				if c.IsZero() || c.Label == "" || c.Citation == "" || c.Confidence == "" {
					t.Errorf("incomplete: %+v", c)
				}
				if strings.TrimSpace(c.Wire) != c.Wire || c.Wire == "" {
					t.Errorf("wire %q", c.Wire)
				}
				for _, d := range []string{c.ValidFrom, c.ValidTo} {
					if d != "" && !dateRE.MatchString(d) {
						t.Errorf("date %q", d)
					}
				}
				if c.ValidFrom != "" && c.ValidTo != "" && c.ValidFrom >= c.ValidTo {
					t.Errorf("valid from %s to %s", c.ValidFrom, c.ValidTo)
				}
				if c.Legacy {
					if c.ValidTo == "" && c.Scheme != SchemeNCMECIncident && c.Scheme != SchemeNCMECReportAnnotation {
						t.Errorf("legacy DSA value without ValidTo")
					}
					if slices.Contains(Categories(c.Scheme), c) {
						t.Errorf("Categories returns a legacy value")
					}
					if c.ReplacedBy != "" {
						succ, err := ParseCategory(c.Scheme, c.ReplacedBy)
						if err != nil || succ.Legacy {
							t.Errorf("successor %q: %+v, %v", c.ReplacedBy, succ, err)
						}
					}
				} else if c.ReplacedBy != "" {
					t.Errorf("current value with ReplacedBy %q", c.ReplacedBy)
				}
				if c.Group != "" {
					g, err := ParseCategoryKey(c.Group)
					if err != nil || g.Legacy || g.Scheme != SchemeDSACategory || c.Scheme != SchemeDSAKeyword {
						t.Errorf("group %q: %+v, %v", c.Group, g, err)
					}
				}
				for _, code := range c.Terms() {
					if _, err := Lookup(code); err != nil {
						t.Errorf("Terms(): %v", err)
					}
				}
				// The category resolves from its key in any case.
				if got, err := FindCategory(strings.ToUpper(c.Key())); err != nil || got != c {
					t.Errorf("FindCategory(key) = %+v, %v", got, err)
				}
			})
		}
	}
}

func TestParseCategoryExact(t *testing.T) {
	bad := []struct {
		s    Scheme
		wire string
	}{
		{SchemeIndustry, "a1"},
		{SchemeIndustry, " A1"},
		{SchemeIndustry, "A3"},
		{SchemeNCMECIncident, "Online Enticement of Children for Sexual Act"}, // the third-party typo
		{SchemeNCMECIncident, "child sex trafficking"},
		{SchemeNCMECFileAnnotation, "generativeAI"},
		{SchemeDSAKeyword, "Child sexual abuse material"}, // a label, not the constant
		{SchemeDSAKeyword, ""},
		{SchemeUK, "Category A"},
		{Scheme("nope"), "A1"},
		{SchemeIndustry, strings.Repeat("A", 1<<16)},
	}
	for _, tt := range bad {
		if c, err := ParseCategory(tt.s, tt.wire); !errors.Is(err, ErrUnknownCategory) {
			t.Errorf("ParseCategory(%s, %.30q) = %+v, %v; want ErrUnknownCategory", tt.s, tt.wire, c, err)
		}
	}
	for _, key := range []string{"", "A1", "industry", "industry:", ":A1", "Industry:A1", "uk:a"} {
		if _, err := ParseCategoryKey(key); !errors.Is(err, ErrUnknownCategory) {
			t.Errorf("ParseCategoryKey(%q): %v", key, err)
		}
	}
	c, err := ParseCategory(SchemeNCMECIncident, "Child Prostitution")
	if err != nil || !c.Legacy || c.ReplacedBy != "Child Sex Trafficking" {
		t.Errorf("legacy Child Prostitution = %+v, %v", c, err)
	}
	if got := c.Terms(); !slices.Equal(got, []string{"exploitation_in_prostitution"}) {
		t.Errorf("legacy Terms() = %q", got)
	}
	if (Category{}).Terms() != nil || Categories("nope") != nil {
		t.Error("unknown scheme or zero category returned data")
	}
}

func TestFindCategory(t *testing.T) {
	ok := map[string]string{
		"A1":                                   "industry:A1",
		"b2":                                   "industry:B2",
		"Category A":                           "uk:A",
		"Prepubescent Minor, Sex Act":          "industry:A1",
		"generativeai":                         "ncmec.file:generativeAi",
		"Protection of minors":                 "dsa.category:STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
		"nationally illegal":                   "iccam:nationally illegal",
		" Child Prostitution ":                 "ncmec.incident:Child Prostitution",
		"Grooming/sexual enticement of minors": "dsa.keyword:KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
		"prohibited":                           "uk:prohibited",
	}
	for in, want := range ok {
		c, err := FindCategory(in)
		if err != nil || c.Key() != want {
			t.Errorf("FindCategory(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	for _, in := range []string{"baseline", "1", "5"} {
		_, err := FindCategory(in)
		if !errors.Is(err, ErrAmbiguous) {
			t.Errorf("FindCategory(%q) = %v, want ErrAmbiguous", in, err)
		}
	}
	_, err := FindCategory("baseline")
	if err == nil || !strings.Contains(err.Error(), "icse:baseline") || !strings.Contains(err.Error(), "iccam:baseline") {
		t.Errorf("ambiguity error does not list the keys: %v", err)
	}
	for _, in := range []string{"", "A3", "child pornography", strings.Repeat("x", 300)} {
		if _, err := FindCategory(in); !errors.Is(err, ErrUnknownCategory) {
			t.Errorf("FindCategory(%.20q) = %v, want ErrUnknownCategory", in, err)
		}
	}
}

func TestCategoryTermsExamples(t *testing.T) {
	tests := map[string][]string{
		"industry:A1":                       {"csam"},
		"ncmec.file:generativeAi":           {"csam.ai_generated"},
		"ncmec.file:infant":                 {"ctx.infant"},
		"ncmec.incident:" + ncmecEnticement: {"grooming"},
		"uk:prohibited":                     {"csam.non_photographic"},
		"iccam:nationally illegal":          nil,
		"dsa.category:" + dsaMinors:         nil,
		"dsa.keyword:KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE": {"csam.manipulated"},
	}
	for key, want := range tests {
		c, err := ParseCategoryKey(key)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Terms()
		if !slices.Equal(got, want) {
			t.Errorf("%s.Terms() = %q, want %q", key, got, want)
		}
		if len(got) > 0 {
			got[0] = "changed"
			if c.Terms()[0] == "changed" {
				t.Error("Terms returned shared data")
			}
		}
	}
}

// The DSA keyword groups follow the Commission's classification: the
// child-safety keywords sit under Protection of minors, trafficking under
// Violence, and no keyword meant for minors sits elsewhere.
func TestDSAKeywordGroups(t *testing.T) {
	minors := []string{"KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
		"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE", "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS", "KEYWORD_UNSAFE_CHALLENGES"}
	for _, c := range Categories(SchemeDSAKeyword) {
		inMinors := c.Group == keyDSAMinors
		if inMinors != slices.Contains(minors, c.Wire) {
			t.Errorf("%s group %q", c.Wire, c.Group)
		}
		if strings.HasPrefix(c.Wire, "KEYWORD_NON_CONSENSUAL") && !strings.Contains(c.Label, "excluding content depicting minors") {
			t.Errorf("%s label lost its exclusion of minors: %q", c.Wire, c.Label)
		}
	}
	for _, w := range []string{"KEYWORD_HUMAN_TRAFFICKING", "KEYWORD_HUMAN_EXPLOITATION", "KEYWORD_TRAFFICKING_WOMEN_GIRLS"} {
		c, _ := ParseCategory(SchemeDSAKeyword, w)
		if c.Group != keyDSAViolence {
			t.Errorf("%s group %q, want Violence", w, c.Group)
		}
	}
	deep, _ := ParseCategory(SchemeDSAKeyword, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE")
	if deep.ValidFrom != "2025-07-01" || deep.Label != "Child sexual abuse material containing deepfake or similar technology" {
		t.Errorf("deepfake keyword = %+v", deep)
	}
}
