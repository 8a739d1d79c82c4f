package agencytest

// The DSA Transparency Database statement-of-reasons fields and enumerations,
// transcribed from StatementStoreRequest and Statement::* at HEAD (reference
// reporting.md §2.6–§2.7), independently of reporting/dsa.

var (
	dsaDecisionVisibilities = []string{
		"DECISION_VISIBILITY_CONTENT_REMOVED",
		"DECISION_VISIBILITY_CONTENT_DISABLED",
		"DECISION_VISIBILITY_CONTENT_DEMOTED",
		"DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
		"DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
		"DECISION_VISIBILITY_CONTENT_LABELLED",
		"DECISION_VISIBILITY_OTHER",
	}
	dsaDecisionMonetaries = []string{"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
	dsaDecisionProvisions = []string{
		"DECISION_PROVISION_PARTIAL_SUSPENSION",
		"DECISION_PROVISION_TOTAL_SUSPENSION",
		"DECISION_PROVISION_PARTIAL_TERMINATION",
		"DECISION_PROVISION_TOTAL_TERMINATION",
	}
	dsaDecisionAccounts = []string{"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
	dsaAccountTypes     = []string{"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"}
	dsaDecisionGrounds  = []string{"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
	dsaContentTypes     = []string{
		"CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
		"CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER",
	}
	dsaSourceTypes = []string{
		"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY",
	}
	dsaAutomatedDecisions = []string{
		"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED",
	}
	dsaYesNo = []string{"Yes", "No"}

	// DSACategories are the v2 statement categories.
	DSACategories = []string{
		"STATEMENT_CATEGORY_ANIMAL_WELFARE",
		"STATEMENT_CATEGORY_CONSUMER_INFORMATION",
		"STATEMENT_CATEGORY_CYBER_VIOLENCE",
		"STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
		"STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
		"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
		"STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
		"STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
		"STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
		"STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
		"STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
		"STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
		"STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
		"STATEMENT_CATEGORY_SELF_HARM",
		"STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
		"STATEMENT_CATEGORY_VIOLENCE",
	}

	// DSAKeywords are the category_specification keys at HEAD (69 values).
	DSAKeywords = []string{
		"KEYWORD_ADULT_SEXUAL_MATERIAL", "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
		"KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS", "KEYWORD_ANIMAL_HARM", "KEYWORD_BIOMETRIC_DATA_BREACH",
		"KEYWORD_BULLYING_AGAINST_GIRLS", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
		"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE", "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
		"KEYWORD_COORDINATED_HARM", "KEYWORD_COPYRIGHT_INFRINGEMENT", "KEYWORD_CYBER_BULLYING_INTIMIDATION",
		"KEYWORD_CYBER_HARASSMENT", "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN", "KEYWORD_CYBER_INCITEMENT",
		"KEYWORD_CYBER_STALKING", "KEYWORD_CYBER_STALKING_AGAINST_WOMEN", "KEYWORD_DATA_FALSIFICATION",
		"KEYWORD_DEFAMATION", "KEYWORD_DESIGN_INFRINGEMENT", "KEYWORD_DISCRIMINATION",
		"KEYWORD_FEMALE_GENDERED_DISINFORMATION", "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
		"KEYWORD_GEOGRAPHICAL_REQUIREMENTS", "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
		"KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS", "KEYWORD_HATE_SPEECH", "KEYWORD_HIDDEN_ADVERTISEMENT",
		"KEYWORD_HUMAN_EXPLOITATION", "KEYWORD_HUMAN_TRAFFICKING", "KEYWORD_ILLEGAL_ORGANIZATIONS",
		"KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING", "KEYWORD_INAUTHENTIC_ACCOUNTS",
		"KEYWORD_INAUTHENTIC_LISTINGS", "KEYWORD_INAUTHENTIC_USER_REVIEWS",
		"KEYWORD_INCITEMENT_AGAINST_WOMEN", "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
		"KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS", "KEYWORD_LANGUAGE_REQUIREMENTS",
		"KEYWORD_MISINFORMATION_DISINFORMATION", "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
		"KEYWORD_MISLEADING_INFO_GOODS_SERVICES", "KEYWORD_MISSING_PROCESSING_GROUND",
		"KEYWORD_NON_CONSENSUAL_IMAGE_SHARING", "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
		"KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE", "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
		"KEYWORD_NONCOMPLIANCE_PRICING", "KEYWORD_NUDITY", "KEYWORD_PATENT_INFRINGEMENT",
		"KEYWORD_PHISHING", "KEYWORD_PROHIBITED_PRODUCTS", "KEYWORD_PYRAMID_SCHEMES",
		"KEYWORD_RIGHT_TO_BE_FORGOTTEN", "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE", "KEYWORD_RISK_PUBLIC_HEALTH",
		"KEYWORD_SELF_MUTILATION", "KEYWORD_STALKING", "KEYWORD_SUICIDE", "KEYWORD_TERRORIST_CONTENT",
		"KEYWORD_TRADE_SECRET_INFRINGEMENT", "KEYWORD_TRADEMARK_INFRINGEMENT",
		"KEYWORD_TRAFFICKING_WOMEN_GIRLS", "KEYWORD_UNLAWFUL_SALE_ANIMALS", "KEYWORD_UNSAFE_CHALLENGES",
		"KEYWORD_UNSAFE_PRODUCTS", "KEYWORD_VIOLATION_EU_LAW", "KEYWORD_VIOLATION_NATIONAL_LAW",
		"KEYWORD_OTHER",
	}

	// dsaTerritories are the EU and EEA ISO 3166-1 alpha-2 codes territorial_scope
	// accepts (Greece is GR, as in ISO, not EL).
	dsaTerritories = []string{
		"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
		"LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
	}
)

// dsaField describes one statement field for the fake's validator.
type dsaField struct {
	name   string
	kind   dsaKind
	enum   []string
	maxLen int
}

type dsaKind int

const (
	dsaString dsaKind = iota
	dsaEnum
	dsaEnumArray
	dsaDate
	dsaURL
	dsaContentID
)

// dsaFields lists every field the fake accepts, in the order the reference table
// gives them.
var dsaFields = []dsaField{
	{name: "decision_visibility", kind: dsaEnumArray, enum: dsaDecisionVisibilities},
	{name: "decision_visibility_other", maxLen: 500},
	{name: "decision_monetary", kind: dsaEnum, enum: dsaDecisionMonetaries},
	{name: "decision_monetary_other", maxLen: 500},
	{name: "decision_provision", kind: dsaEnum, enum: dsaDecisionProvisions},
	{name: "decision_account", kind: dsaEnum, enum: dsaDecisionAccounts},
	{name: "account_type", kind: dsaEnum, enum: dsaAccountTypes},
	{name: "decision_ground", kind: dsaEnum, enum: dsaDecisionGrounds},
	{name: "decision_ground_reference_url", kind: dsaURL, maxLen: 500},
	{name: "illegal_content_legal_ground", maxLen: 500},
	{name: "illegal_content_explanation", maxLen: 2000},
	{name: "incompatible_content_ground", maxLen: 500},
	{name: "incompatible_content_explanation", maxLen: 2000},
	{name: "incompatible_content_illegal", kind: dsaEnum, enum: dsaYesNo},
	{name: "content_type", kind: dsaEnumArray, enum: dsaContentTypes},
	{name: "content_type_other", maxLen: 500},
	{name: "category", kind: dsaEnum, enum: DSACategories},
	{name: "category_addition", kind: dsaEnumArray, enum: DSACategories},
	{name: "category_specification", kind: dsaEnumArray, enum: DSAKeywords},
	{name: "category_specification_other", maxLen: 500},
	{name: "content_id", kind: dsaContentID},
	{name: "content_id_ean", maxLen: 13},
	{name: "territorial_scope", kind: dsaEnumArray, enum: dsaTerritories},
	{name: "content_language"},
	{name: "content_date", kind: dsaDate},
	{name: "application_date", kind: dsaDate},
	{name: "end_date_account_restriction", kind: dsaDate},
	{name: "end_date_monetary_restriction", kind: dsaDate},
	{name: "end_date_service_restriction", kind: dsaDate},
	{name: "end_date_visibility_restriction", kind: dsaDate},
	{name: "decision_facts", maxLen: 5000},
	{name: "source_type", kind: dsaEnum, enum: dsaSourceTypes},
	{name: "source_identity", maxLen: 500},
	{name: "automated_detection", kind: dsaEnum, enum: dsaYesNo},
	{name: "automated_decision", kind: dsaEnum, enum: dsaAutomatedDecisions},
	{name: "puid", maxLen: 500},
}
