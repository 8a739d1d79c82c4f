package agencytest

import "regexp"

// The CyberTipline schema as tables, transcribed from the element tree of NCMEC's XSD
// (reference reporting.md §1.8–§1.11; the XSD in Boostport/ncmec-go and usips/xf2-ncmec,
// Nov 2025). The order of each seq is the wire order. These tables are written
// independently of the encoder in reporting/cybertip so that the fake checks the
// encoder instead of agreeing with it by construction.

// CyberTip enumerations, verbatim.
var (
	// CyberTipIncidentTypes are the current incidentType values.
	CyberTipIncidentTypes = []string{
		"Child Pornography (possession, manufacture, and distribution)",
		"Child Sex Trafficking",
		"Child Sex Tourism",
		"Child Sexual Molestation",
		"Misleading Domain Name",
		"Misleading Words or Digital Images on the Internet",
		"Online Enticement of Children for Sexual Acts",
		"Unsolicited Obscene Material Sent to a Child",
	}
	// CyberTipLegacyIncidentTypes are values NCMEC still accepts from old clients. The
	// fake rejects them (stricter than NCMEC) because mnr must never emit them.
	CyberTipLegacyIncidentTypes = []string{
		"Child Prostitution",
		"Child Sexual Molestation (not by family member)",
	}
	// CyberTipReportAnnotations are the reportAnnotations flags in wire order.
	CyberTipReportAnnotations = []string{
		"sextortion", "csamSolicitation", "minorToMinorInteraction", "spam", "sadisticOnlineExploitation",
	}
	// CyberTipFileAnnotations are the fileAnnotations flags in wire order.
	CyberTipFileAnnotations = []string{
		"animeDrawingVirtualHentai", "potentialMeme", "viral", "possibleSelfProduction", "physicalHarm",
		"violenceGore", "bestiality", "liveStreaming", "infant", "generativeAi",
	}
	ipCaptureTypes         = []string{"Login", "Registration", "Purchase", "Upload", "Other", "Unknown"}
	phoneTypes             = []string{"Mobile", "Home", "Business", "Work", "Fax", "Internet", "Recovery"}
	emailTypes             = []string{"Home", "Work", "Business", "Recovery"}
	addressTypes           = []string{"Home", "Business", "Billing", "Shipping", "Technical"}
	associatedAccountTypes = []string{"Billing", "Linked", "Business", "Creator", "Parent/Guardian", "Other"}
	fileRelevances         = []string{"Reported", "Supplemental Reported"}
	industryClasses        = []string{"A1", "A2", "B1", "B2"}
	metadataTypes          = []string{"EXIF", "HASH"}
)

// Simple types.
func str(n int) simpleType             { return simpleType{kind: xsString, maxLen: n} }
func enum(v ...string) simpleType      { return simpleType{kind: xsEnum, enum: v} }
func intRange(lo, hi int64) simpleType { return simpleType{kind: xsInt, min: lo, max: hi} }

var (
	tText     = str(0)
	tToken    = simpleType{kind: xsToken}
	tLong     = simpleType{kind: xsLong}
	tInt      = simpleType{kind: xsInt}
	tBool     = simpleType{kind: xsBool}
	tFlag     = simpleType{kind: xsFlag}
	tDateTime = simpleType{kind: xsDateTime}
	tPast     = simpleType{kind: xsDateTime, past: true}
	tDate     = simpleType{kind: xsDate}
	tDouble   = simpleType{kind: xsDouble}
	tURL      = simpleType{kind: xsURL, maxLen: 2083}
	tIP       = simpleType{kind: xsIP}
	tCountry  = simpleType{kind: xsCountry}
	tState    = simpleType{kind: xsState}
	tEmpty    = simpleType{kind: xsEmpty}
)

func el(name string, min, max int, s simpleType) particle {
	return particle{name: name, min: min, max: max, simple: s}
}

func cx(name string, min, max int, c *complexType) particle {
	return particle{name: name, min: min, max: max, complex: c}
}

const unbounded = -1

func flags(name string, names []string) *complexType {
	c := &complexType{name: name}
	for _, f := range names {
		c.seq = append(c.seq, el(f, 0, 1, tFlag))
	}
	return c
}

var (
	emailT = &complexType{name: "email", content: &simpleType{kind: xsEmail, maxLen: 255}, attrs: []attrDef{
		{name: "type", typ: enum(emailTypes...)},
		{name: "verified", typ: tBool},
		{name: "verificationDate", typ: tDateTime},
	}}
	phoneT = &complexType{name: "phone", content: &simpleType{kind: xsString}, attrs: []attrDef{
		{name: "type", typ: enum(phoneTypes...)},
		{name: "verified", typ: tBool},
		{name: "verificationDate", typ: tDateTime},
		{name: "countryCallingCode", typ: simpleType{kind: xsPattern, pattern: regexp.MustCompile(`^\+[0-9]{1,3}$`)}},
		{name: "extension", typ: simpleType{kind: xsPattern, pattern: regexp.MustCompile(`^[0-9]+$`)}},
	}}
	addressT = &complexType{name: "address", attrs: []attrDef{{name: "type", typ: enum(addressTypes...)}}, seq: []particle{
		el("address", 0, 1, tText),
		el("city", 0, 1, tText),
		el("zipCode", 0, 1, tText),
		el("state", 0, 1, tState),
		el("nonUsaState", 0, 1, tText),
		el("country", 0, 1, tCountry),
	}}
	personT = &complexType{name: "person", seq: []particle{
		el("firstName", 0, 1, str(100)),
		el("lastName", 0, 1, str(100)),
		cx("phone", 0, unbounded, phoneT),
		cx("email", 0, unbounded, emailT),
		cx("address", 0, unbounded, addressT),
		el("age", 0, 1, intRange(0, 150)),
		el("dateOfBirth", 0, 1, tDate),
	}}
	contactPersonT = &complexType{name: "contactPerson", seq: []particle{
		el("firstName", 0, 1, str(100)),
		el("lastName", 0, 1, str(100)),
		cx("phone", 0, unbounded, phoneT),
		cx("email", 0, unbounded, emailT),
		cx("address", 0, unbounded, addressT),
	}}
	ipCaptureEventT = &complexType{name: "ipCaptureEvent", seq: []particle{
		el("ipAddress", 1, 1, tIP),
		el("eventName", 0, 1, enum(ipCaptureTypes...)),
		el("dateTime", 0, 1, tPast),
		el("possibleProxy", 0, 1, tBool),
		el("port", 0, 1, intRange(1, 65535)),
	}}
	deviceIDT = &complexType{name: "deviceId", seq: []particle{
		el("idType", 1, 1, str(255)),
		el("idValue", 1, 1, str(2083)),
		el("eventName", 0, 1, enum(ipCaptureTypes...)),
		el("dateTime", 0, 1, tPast),
	}}
	estimatedLocationT = &complexType{name: "estimatedLocation", attrs: []attrDef{
		{name: "verified", typ: tBool},
		{name: "timestamp", typ: tDateTime},
	}, seq: []particle{
		el("city", 0, 1, tText),
		el("region", 0, 1, tText),
		// The XSD makes countryCode optional; the documentation requires it whenever
		// estimatedLocation is present, and the fake enforces the documentation.
		el("countryCode", 1, 1, tCountry),
	}}
	tempDisabledT = &complexType{name: "accountTemporarilyDisabled", content: &tBool, attrs: []attrDef{
		{name: "disabledDate", typ: tDateTime},
		{name: "userNotified", typ: tBool},
		{name: "userNotifiedDate", typ: tDateTime},
		{name: "reenabledDate", typ: tDateTime},
	}}
	permDisabledT = &complexType{name: "accountPermanentlyDisabled", content: &tBool, attrs: []attrDef{
		{name: "disabledDate", typ: tDateTime},
		{name: "userNotified", typ: tBool},
		{name: "userNotifiedDate", typ: tDateTime},
	}}
	platformT = &complexType{name: "platform", content: &tText, attrs: []attrDef{
		{name: "thirdPartyUser", typ: tBool},
	}}
	associatedAccountT = &complexType{name: "associatedAccount", attrs: []attrDef{
		{name: "type", required: true, typ: enum(associatedAccountTypes...)},
	}, seq: []particle{
		cx("platform", 0, 1, platformT),
		el("firstName", 0, 1, str(100)),
		el("middleName", 0, 1, str(100)),
		el("lastName", 0, 1, str(100)),
		el("approximateAge", 0, 1, tInt),
		el("dateOfBirth", 0, 1, tDate),
		cx("phone", 0, unbounded, phoneT),
		cx("email", 0, unbounded, emailT),
		el("allEmailsReported", 0, 1, tBool),
		cx("address", 0, unbounded, addressT),
		el("espService", 0, 1, str(100)),
		el("espIdentifier", 0, 1, str(255)),
		el("profileUrl", 0, unbounded, tURL),
		el("screenName", 0, 1, str(256)),
		el("displayName", 0, unbounded, str(255)),
		el("profileBio", 0, 1, tText),
		el("groupIdentifier", 0, 1, str(255)),
		el("compromisedAccount", 0, 1, tBool),
		cx("accountTemporarilyDisabled", 0, 1, tempDisabledT),
		cx("accountPermanentlyDisabled", 0, 1, permDisabledT),
		cx("ipCaptureEvent", 0, unbounded, ipCaptureEventT),
		cx("deviceId", 0, unbounded, deviceIDT),
		el("priorCTReport", 0, unbounded, tLong), // singular here, and only here
		el("additionalInfo", 0, 1, tText),
	}}
	hashT = &complexType{name: "hash", content: &tText, attrs: []attrDef{
		{name: "hashType", required: true, typ: str(64)},
	}}
	nameValueT = &complexType{name: "nameValuePair", seq: []particle{
		el("name", 1, 1, str(64)),
		el("value", 1, 1, tText),
	}}
	detailsT = &complexType{name: "details", attrs: []attrDef{
		{name: "type", required: true, typ: enum(metadataTypes...)},
	}, seq: []particle{
		cx("nameValuePair", 1, unbounded, nameValueT),
	}}

	incidentSummaryT = &complexType{name: "incidentSummary", seq: []particle{
		el("incidentType", 1, 1, enum(CyberTipIncidentTypes...)),
		el("platform", 0, 1, str(256)),
		el("escalateToHighPriority", 0, 1, simpleType{kind: xsString, maxLen: 3000, nonBlank: true}),
		cx("reportAnnotations", 0, 1, flags("reportAnnotations", CyberTipReportAnnotations)),
		el("incidentDateTime", 1, 1, tPast),
		el("incidentDateTimeDescription", 0, 1, str(3000)),
	}}

	webPageIncidentT = &complexType{name: "webPageIncident", attrs: []attrDef{
		{name: "thirdPartyHostedContent", typ: tBool},
	}, seq: []particle{
		el("url", 0, unbounded, tURL),
		el("additionalInfo", 0, 1, tText),
	}}
	emailIncidentT = &complexType{name: "emailIncident", seq: []particle{
		cx("emailAddress", 0, unbounded, emailT),
		el("content", 0, 1, tText),
		el("additionalInfo", 0, 1, tText),
	}}
	newsgroupIncidentT = &complexType{name: "newsgroupIncident", seq: []particle{
		el("name", 0, 1, tText),
		cx("emailAddress", 0, unbounded, emailT),
		el("content", 0, 1, tText),
		el("additionalInfo", 0, 1, tText),
	}}
	chatImIncidentT = &complexType{name: "chatImIncident", seq: []particle{
		el("chatClient", 0, 1, tText),
		el("chatRoomName", 0, 1, tText),
		el("content", 0, 1, tText),
		el("additionalInfo", 0, 1, tText),
	}}
	onlineGamingIncidentT = &complexType{name: "onlineGamingIncident", seq: []particle{
		el("gameName", 0, 1, tText),
		el("console", 0, 1, tText),
		el("content", 0, 1, tText),
		el("additionalInfo", 0, 1, tText),
	}}
	cellPhoneIncidentT = &complexType{name: "cellPhoneIncident", seq: []particle{
		cx("phoneNumber", 0, 1, phoneT),
		el("latitude", 0, 1, tDouble),
		el("longitude", 0, 1, tDouble),
		el("additionalInfo", 0, 1, tText),
	}}
	nonInternetIncidentT = &complexType{name: "nonInternetIncident", seq: []particle{
		el("locationName", 0, 1, tText),
		cx("incidentAddress", 0, unbounded, addressT),
		el("additionalInfo", 0, 1, tText),
	}}
	peer2peerIncidentT = &complexType{name: "peer2peerIncident", seq: []particle{
		el("client", 0, 1, tText),
		cx("ipCaptureEvent", 0, unbounded, ipCaptureEventT),
		el("fileNames", 0, 1, tText),
		el("additionalInfo", 0, 1, tText),
	}}
	internetDetailsT = &complexType{name: "internetDetails", choice: true, seq: []particle{
		cx("webPageIncident", 0, 1, webPageIncidentT),
		cx("emailIncident", 0, 1, emailIncidentT),
		cx("newsgroupIncident", 0, 1, newsgroupIncidentT),
		cx("chatImIncident", 0, 1, chatImIncidentT),
		cx("onlineGamingIncident", 0, 1, onlineGamingIncidentT),
		cx("cellPhoneIncident", 0, 1, cellPhoneIncidentT),
		cx("nonInternetIncident", 0, 1, nonInternetIncidentT),
		cx("peer2peerIncident", 0, 1, peer2peerIncidentT),
	}}

	servedInternationalT = &complexType{name: "servedLegalProcessInternational", content: &tBool, attrs: []attrDef{
		{name: "fleaCountry", typ: tCountry},
	}}
	lawEnforcementT = &complexType{name: "lawEnforcement", seq: []particle{
		el("agencyName", 1, 1, str(255)),
		el("caseNumber", 0, 1, str(100)),
		cx("officerContact", 0, 1, contactPersonT),
		el("reportedToLe", 0, 1, tBool),
		el("servedLegalProcessDomestic", 0, 1, tBool),
		cx("servedLegalProcessInternational", 0, 1, servedInternationalT),
	}}
	reporterT = &complexType{name: "reporter", seq: []particle{
		cx("reportingPerson", 1, 1, personT),
		cx("contactPerson", 0, 1, contactPersonT),
		el("companyTemplate", 0, 1, tText),
		el("termsOfService", 0, 1, tText),
		el("legalURL", 0, 1, tURL),
	}}
	personOrUserReportedT = &complexType{name: "personOrUserReported", seq: []particle{
		cx("personOrUserReportedPerson", 0, 1, personT),
		el("vehicleDescription", 0, 1, str(300)),
		el("espIdentifier", 0, 1, str(255)),
		el("espService", 0, 1, str(100)),
		el("compromisedAccount", 0, 1, tBool),
		el("screenName", 0, 1, str(256)),
		el("displayName", 0, unbounded, str(255)),
		el("profileUrl", 0, unbounded, tURL),
		el("profileBio", 0, 1, tText),
		cx("ipCaptureEvent", 0, unbounded, ipCaptureEventT),
		cx("deviceId", 0, unbounded, deviceIDT),
		el("thirdPartyUserReported", 0, 1, tBool),
		el("priorCTReports", 0, unbounded, tLong),
		el("groupIdentifier", 0, 1, str(255)),
		cx("accountTemporarilyDisabled", 0, 1, tempDisabledT),
		cx("accountPermanentlyDisabled", 0, 1, permDisabledT),
		cx("estimatedLocation", 0, 1, estimatedLocationT),
		el("allEmailsReported", 0, 1, tBool),
		cx("associatedAccount", 0, unbounded, associatedAccountT),
		el("additionalInfo", 0, 1, tText),
	}}
	intendedRecipientT = &complexType{name: "intendedRecipient", seq: []particle{
		cx("intendedRecipientPerson", 0, 1, personT),
		el("espIdentifier", 0, 1, str(255)),
		el("espService", 0, 1, str(100)),
		el("compromisedAccount", 0, 1, tBool),
		el("screenName", 0, 1, str(256)),
		el("displayName", 0, unbounded, str(255)),
		el("profileUrl", 0, unbounded, tURL),
		el("profileBio", 0, 1, tText),
		cx("ipCaptureEvent", 0, unbounded, ipCaptureEventT),
		cx("deviceId", 0, unbounded, deviceIDT),
		el("priorCTReports", 0, unbounded, tLong),
		el("groupIdentifier", 0, 1, str(255)),
		cx("accountTemporarilyDisabled", 0, 1, tempDisabledT),
		cx("accountPermanentlyDisabled", 0, 1, permDisabledT),
		cx("estimatedLocation", 0, 1, estimatedLocationT),
		el("allEmailsReported", 0, 1, tBool),
		el("additionalInfo", 0, unbounded, tText),
	}}
	victimT = &complexType{name: "victim", seq: []particle{
		cx("victimPerson", 1, 1, personT),
		el("espIdentifier", 0, 1, str(255)),
		el("espService", 0, 1, str(100)),
		el("compromisedAccount", 0, 1, tBool),
		el("screenName", 0, 1, str(256)),
		el("displayName", 0, unbounded, str(255)),
		el("profileUrl", 0, unbounded, tURL),
		el("profileBio", 0, 1, tText),
		cx("ipCaptureEvent", 0, unbounded, ipCaptureEventT),
		cx("deviceId", 0, unbounded, deviceIDT),
		el("schoolName", 0, 1, tText),
		el("priorCTReports", 0, unbounded, tLong),
		cx("accountTemporarilyDisabled", 0, 1, tempDisabledT),
		cx("accountPermanentlyDisabled", 0, 1, permDisabledT),
		cx("estimatedLocation", 0, 1, estimatedLocationT),
		el("allEmailsReported", 0, 1, tBool),
		cx("associatedAccount", 0, unbounded, associatedAccountT),
		el("additionalInfo", 0, 1, tText),
	}}
	batchedReportT = &complexType{name: "batchedReport", content: &tEmpty, attrs: []attrDef{
		{name: "reason", required: true, typ: enum("VIRAL_POTENTIAL_MEME")},
	}}

	// cyberTipReportT is the <report> document posted to /submit.
	cyberTipReportT = &complexType{name: "report", seq: []particle{
		cx("batchedReport", 0, 1, batchedReportT),
		cx("incidentSummary", 1, 1, incidentSummaryT),
		cx("internetDetails", 0, unbounded, internetDetailsT),
		cx("lawEnforcement", 0, 1, lawEnforcementT),
		cx("reporter", 1, 1, reporterT),
		cx("personOrUserReported", 0, unbounded, personOrUserReportedT),
		cx("intendedRecipient", 0, unbounded, intendedRecipientT),
		cx("victim", 0, unbounded, victimT),
		el("additionalInfo", 0, 1, tText),
	}}

	// cyberTipFileDetailsT is the <fileDetails> document posted to /fileinfo.
	cyberTipFileDetailsT = &complexType{name: "fileDetails", seq: []particle{
		el("reportId", 1, 1, tLong),
		el("fileId", 1, 1, tToken),
		el("fileName", 0, 1, tText),
		el("originalFileName", 0, 1, str(2056)),
		el("uploadedToEspTimestamp", 0, 1, tPast),
		el("locationOfFile", 0, 1, tURL),
		el("fileViewedByEsp", 0, 1, tBool),
		el("exifViewedByEsp", 0, 1, tBool),
		el("publiclyAvailable", 0, 1, tBool),
		el("fileRelevance", 0, 1, enum(fileRelevances...)),
		// potentialMeme (legacy boolean) and fileAnnotations are an xs:choice at this
		// position; the cross-field check allows at most one of them.
		el("potentialMeme", 0, 1, tBool),
		cx("fileAnnotations", 0, 1, flags("fileAnnotations", CyberTipFileAnnotations)),
		el("industryClassification", 0, 1, enum(industryClasses...)),
		cx("originalFileHash", 0, unbounded, hashT),
		cx("ipCaptureEvent", 0, 1, ipCaptureEventT),
		cx("deviceId", 0, unbounded, deviceIDT),
		cx("details", 0, unbounded, detailsT),
		el("additionalInfo", 0, unbounded, tText),
	}}
)
