package terminology

// Citations shared by several entries. Each names the source an entry rests
// on; the entry's Confidence says how well.
const (
	citeLux       = "Terminology Guidelines for the Protection of Children from Sexual Exploitation and Sexual Abuse (Luxembourg Guidelines), Interagency Working Group, 28 January 2016"
	citeLux2      = "Terminology Guidelines, 2nd edition (April 2025), as summarised in Safe Online's launch press release (safeonline.global)"
	citeWeProtect = "WeProtect Global Alliance glossary (weprotect.org/glossary-index)"
	citeUNICEF    = "UNICEF, quoting the Luxembourg Guidelines (unicef.in/STAYSAFEONLINE/faqs.html)"
	citeSextort   = "NSPCC, Rethinking the term sextortion (2025); Internet Matters, What is sextortion"
	citeECPAT     = "ECPAT global database, terminology and acronyms (globaldatabase.ecpat.org)"
	citeMNR       = "mnr vocabulary (own code and label; PROPOSAL)"
	citeMNRCtx    = "mnr vocabulary (own code), mirroring the NCMEC CyberTipline annotation of the same meaning"

	citeINTERPOL = "INTERPOL, Blocking and categorizing content (interpol.int/Crimes/Crimes-against-children)"
	citeICCAM    = "INHOPE, What is ICCAM (inhope.org/articles/what-is-iccam)"
	citeIndustry = "Tech Coalition, The Tech Coalition Industry Classification System (technologycoalition.org/knowledge-hub), July 2022"
	citeUKSC     = "Sentencing Council, indecent images of children categories (in force 1 April 2014); HMICFRS glossary, child sexual abuse image grading"
	citeCJA2009  = "Coroners and Justice Act 2009 s.62 (prohibited images of children); IWF, The law and assessing content"
	citeSAP      = "Sentencing Advisory Panel levels, as listed by HMICFRS and UK sentencing commentaries (olliers.com, bsblaw.co.uk); level-to-category mapping secondary"
	citeCOPINE   = "COPINE scale, MISP taxonomy copine-scale/machinetag.json; SAP and UK mappings secondary"
	citeNCMECXSD = "NCMEC CyberTipline API XSD (report.cybertip.org/ispws/xsd), as of November 2025"
	citeNCMECOld = "Legacy CyberTipline value used by older clients (Boostport/ncmec-go; Johannes-Andersen/Cybertipline-Tools); accept on input, never emit"
	citeNCMEC3P  = "Seen in third-party CyberTipline clients (Johannes-Andersen/Cybertipline-Tools) but absent from the November 2025 XSD"
	citeDSA      = "DSA Transparency Database, app/Models/Statement.php and resources/markdown/api-documentation.md (digital-services-act/transparency-database), schema v2"
	citeDSAv1    = "DSA Transparency Database api-documentation.md changelog (v1 to v2, applying to submissions from 1 July 2025)"
	citeUS2256   = "18 U.S.C. 2256 (law.cornell.edu/uscode/text/18/2256)"
	citeEU201193 = "Directive 2011/93/EU Art. 2 and Art. 6"

	citeMNRCrosswalk = "mnr crosswalk (PROPOSAL; terminology reference §4)"
)
