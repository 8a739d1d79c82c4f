package cybertip

import "encoding/xml"

// The CyberTipline documents as Go types. Field order is wire order: encoding/xml
// emits fields in declaration order, and NCMEC's XSD types are sequences, so each
// struct below lists its elements exactly as the XSD does (reference reporting.md
// §1.8–§1.11). Optional elements are pointers or omitempty; flags (xs:boolean
// fixed=true) are *flag, emitted as an empty element when set and left out
// otherwise. Only the elements mnr fills are declared.

// flag is an xs:boolean fixed=true element: present means true.
type flag struct{}

// xmlBool is an xs:boolean element.
type xmlBool bool

// MarshalText renders "true" or "false".
func (b xmlBool) MarshalText() ([]byte, error) {
	if b {
		return []byte("true"), nil
	}
	return []byte("false"), nil
}

func boolPtr(b bool) *xmlBool { v := xmlBool(b); return &v }

type reportDoc struct {
	XMLName         xml.Name          `xml:"report"`
	BatchedReport   *batchedReport    `xml:"batchedReport"`
	IncidentSummary incidentSummary   `xml:"incidentSummary"`
	InternetDetails []internetDetails `xml:"internetDetails"`
	LawEnforcement  *lawEnforcement   `xml:"lawEnforcement"`
	Reporter        reporterEl        `xml:"reporter"`
	Reported        []reportedPerson  `xml:"personOrUserReported"`
	Victims         []victimEl        `xml:"victim"`
	AdditionalInfo  string            `xml:"additionalInfo,omitempty"`
}

type batchedReport struct {
	Reason string `xml:"reason,attr"`
}

type incidentSummary struct {
	IncidentType                string             `xml:"incidentType"`
	Platform                    string             `xml:"platform,omitempty"`
	EscalateToHighPriority      string             `xml:"escalateToHighPriority,omitempty"`
	ReportAnnotations           *reportAnnotations `xml:"reportAnnotations"`
	IncidentDateTime            string             `xml:"incidentDateTime"`
	IncidentDateTimeDescription string             `xml:"incidentDateTimeDescription,omitempty"`
}

// reportAnnotations lists the flags in XSD order.
type reportAnnotations struct {
	Sextortion                 *flag `xml:"sextortion"`
	CSAMSolicitation           *flag `xml:"csamSolicitation"`
	MinorToMinorInteraction    *flag `xml:"minorToMinorInteraction"`
	Spam                       *flag `xml:"spam"`
	SadisticOnlineExploitation *flag `xml:"sadisticOnlineExploitation"`
}

// internetDetails holds exactly one channel (an xs:choice).
type internetDetails struct {
	WebPage     *webPageIncident      `xml:"webPageIncident"`
	Email       *emailIncident        `xml:"emailIncident"`
	ChatIM      *chatImIncident       `xml:"chatImIncident"`
	Gaming      *onlineGamingIncident `xml:"onlineGamingIncident"`
	CellPhone   *cellPhoneIncident    `xml:"cellPhoneIncident"`
	NonInternet *nonInternetIncident  `xml:"nonInternetIncident"`
	P2P         *peer2peerIncident    `xml:"peer2peerIncident"`
}

type webPageIncident struct {
	ThirdPartyHostedContent *xmlBool `xml:"thirdPartyHostedContent,attr,omitempty"`
	URL                     []string `xml:"url"`
	AdditionalInfo          string   `xml:"additionalInfo,omitempty"`
}

type emailIncident struct {
	Content        string `xml:"content,omitempty"`
	AdditionalInfo string `xml:"additionalInfo,omitempty"`
}

type chatImIncident struct {
	ChatClient     string `xml:"chatClient,omitempty"`
	ChatRoomName   string `xml:"chatRoomName,omitempty"`
	Content        string `xml:"content,omitempty"`
	AdditionalInfo string `xml:"additionalInfo,omitempty"`
}

type onlineGamingIncident struct {
	GameName       string `xml:"gameName,omitempty"`
	Console        string `xml:"console,omitempty"`
	Content        string `xml:"content,omitempty"`
	AdditionalInfo string `xml:"additionalInfo,omitempty"`
}

type cellPhoneIncident struct {
	AdditionalInfo string `xml:"additionalInfo,omitempty"`
}

type nonInternetIncident struct {
	LocationName   string `xml:"locationName,omitempty"`
	AdditionalInfo string `xml:"additionalInfo,omitempty"`
}

type peer2peerIncident struct {
	Client         string `xml:"client,omitempty"`
	AdditionalInfo string `xml:"additionalInfo,omitempty"`
}

type lawEnforcement struct {
	AgencyName                 string   `xml:"agencyName"`
	CaseNumber                 string   `xml:"caseNumber,omitempty"`
	ReportedToLE               *xmlBool `xml:"reportedToLe"`
	ServedLegalProcessDomestic *xmlBool `xml:"servedLegalProcessDomestic"`
}

type reporterEl struct {
	ReportingPerson person `xml:"reportingPerson"`
	CompanyTemplate string `xml:"companyTemplate,omitempty"`
	TermsOfService  string `xml:"termsOfService,omitempty"`
	LegalURL        string `xml:"legalURL,omitempty"`
}

// person is the XSD person type: firstName, lastName, phone*, email*, address*,
// age, dateOfBirth.
type person struct {
	FirstName string  `xml:"firstName,omitempty"`
	LastName  string  `xml:"lastName,omitempty"`
	Phone     []phone `xml:"phone"`
	Email     []email `xml:"email"`
	Age       *int    `xml:"age"`
}

func (p *person) empty() bool {
	return p.FirstName == "" && p.LastName == "" && len(p.Phone) == 0 && len(p.Email) == 0 && p.Age == nil
}

type phone struct {
	Value string `xml:",chardata"`
}

type email struct {
	Value string `xml:",chardata"`
}

type ipCaptureEvent struct {
	IPAddress string `xml:"ipAddress"`
	EventName string `xml:"eventName,omitempty"`
	DateTime  string `xml:"dateTime,omitempty"`
	Port      int    `xml:"port,omitempty"`
}

type disabled struct {
	DisabledDate string  `xml:"disabledDate,attr,omitempty"`
	Value        xmlBool `xml:",chardata"`
}

type estimatedLocation struct {
	CountryCode string `xml:"countryCode"`
}

// reportedPerson is personOrUserReported, in XSD order.
type reportedPerson struct {
	Person              *person            `xml:"personOrUserReportedPerson"`
	ESPIdentifier       string             `xml:"espIdentifier,omitempty"`
	ESPService          string             `xml:"espService,omitempty"`
	CompromisedAccount  *xmlBool           `xml:"compromisedAccount"`
	ScreenName          string             `xml:"screenName,omitempty"`
	DisplayName         []string           `xml:"displayName"`
	ProfileURL          []string           `xml:"profileUrl"`
	IPCaptureEvent      []ipCaptureEvent   `xml:"ipCaptureEvent"`
	PriorCTReports      []string           `xml:"priorCTReports"`
	TemporarilyDisabled *disabled          `xml:"accountTemporarilyDisabled"`
	PermanentlyDisabled *disabled          `xml:"accountPermanentlyDisabled"`
	EstimatedLocation   *estimatedLocation `xml:"estimatedLocation"`
}

// victimEl is victim, in XSD order (victimPerson is required).
type victimEl struct {
	VictimPerson      person             `xml:"victimPerson"`
	ESPIdentifier     string             `xml:"espIdentifier,omitempty"`
	ScreenName        string             `xml:"screenName,omitempty"`
	EstimatedLocation *estimatedLocation `xml:"estimatedLocation"`
}

// fileDetailsDoc is the /fileinfo document, in XSD order.
type fileDetailsDoc struct {
	XMLName                xml.Name         `xml:"fileDetails"`
	ReportID               string           `xml:"reportId"`
	FileID                 string           `xml:"fileId"`
	FileName               string           `xml:"fileName,omitempty"`
	OriginalFileName       string           `xml:"originalFileName,omitempty"`
	UploadedToEspTimestamp string           `xml:"uploadedToEspTimestamp,omitempty"`
	LocationOfFile         string           `xml:"locationOfFile,omitempty"`
	FileViewedByEsp        *xmlBool         `xml:"fileViewedByEsp"`
	ExifViewedByEsp        *xmlBool         `xml:"exifViewedByEsp"`
	PubliclyAvailable      *xmlBool         `xml:"publiclyAvailable"`
	FileRelevance          string           `xml:"fileRelevance"`
	FileAnnotations        *fileAnnotations `xml:"fileAnnotations"`
	IndustryClassification string           `xml:"industryClassification,omitempty"`
	OriginalFileHash       []fileHash       `xml:"originalFileHash"`
	IPCaptureEvent         *ipCaptureEvent  `xml:"ipCaptureEvent"`
}

// fileAnnotations lists the flags in XSD order.
type fileAnnotations struct {
	AnimeDrawingVirtualHentai *flag `xml:"animeDrawingVirtualHentai"`
	PotentialMeme             *flag `xml:"potentialMeme"`
	Viral                     *flag `xml:"viral"`
	PossibleSelfProduction    *flag `xml:"possibleSelfProduction"`
	PhysicalHarm              *flag `xml:"physicalHarm"`
	ViolenceGore              *flag `xml:"violenceGore"`
	Bestiality                *flag `xml:"bestiality"`
	LiveStreaming             *flag `xml:"liveStreaming"`
	Infant                    *flag `xml:"infant"`
	GenerativeAI              *flag `xml:"generativeAi"`
}

type fileHash struct {
	HashType string `xml:"hashType,attr"`
	Value    string `xml:",chardata"`
}
