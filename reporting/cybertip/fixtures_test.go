package cybertip_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
)

// fixedNow is the clock of the golden tests.
var fixedNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// memFiles is a FileSource over an in-memory map; it counts opens.
type memFiles struct {
	mu    sync.Mutex
	files map[string][]byte
	opens map[string]int
}

func newMemFiles() *memFiles {
	return &memFiles{files: map[string][]byte{}, opens: map[string]int{}}
}

func (m *memFiles) put(ref string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[ref] = b
}

func (m *memFiles) Open(_ context.Context, ref string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[ref]
	if !ok {
		return nil, errors.New("no such file")
	}
	m.opens[ref]++
	return io.NopCloser(bytes.NewReader(b)), nil
}

// benignFile returns deterministic bytes that stand in for a file (no real
// material is ever needed to test reporting).
func benignFile(seed string, n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s-%d;", seed, i)
	}
	return b.Bytes()[:n]
}

func md5Hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// minimalReport is the smallest report the CyberTipline accepts from mnr.
func minimalReport(id string) *reporting.Report {
	return &reporting.Report{
		ID:       id,
		Reporter: reporting.Reporter{Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{
			Code:     "csam",
			Time:     time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC),
			Location: reporting.Location{Kind: reporting.LocationURL, URL: "https://media.example.com/p/1"},
		},
	}
}

// fullReport fills every field the cybertip encoder reads, with benign values.
func fullReport(id string, files *memFiles) *reporting.Report {
	img := benignFile("image-"+id, 2048)
	chat := benignFile("chatlog-"+id, 512)
	if files != nil {
		files.put("vault:"+id+":0", img)
		files.put("vault:"+id+":1", chat)
	}
	pst := time.FixedZone("PST", -8*3600)
	return &reporting.Report{
		ID: id,
		Reporter: reporting.Reporter{
			Platform: "Example Photos",
			Contact: reporting.Contact{
				FirstName: "Alex", LastName: "Reviewer", Email: "safety@example.com", Phone: "+1 555 0100",
			},
			CaseRef:  "case-42",
			LegalURL: "https://example.com/legal/law-enforcement",
		},
		Incident: reporting.Incident{
			Code:            "sextortion.financial",
			Time:            time.Date(2026, 3, 13, 22, 30, 0, 0, pst),
			TimeDescription: "time of the first message in the thread",
			Location: reporting.Location{
				Kind: reporting.LocationChat, URL: "https://example.com/messages/t/9", Platform: "Example Chat",
				Area: "direct messages", Client: "Example Chat for Android",
			},
			Flags:    []string{"ctx.minor_to_minor", "csam.solicitation"},
			Escalate: "The child said they would harm themselves tonight.",
		},
		Content: []reporting.ContentItem{
			{
				FileName: "img_0001.jpg", OriginalFileName: "IMG_0001.JPG", Size: int64(len(img)),
				ContentType: "image/jpeg", MD5: md5Hex(img), SHA256: sha256Hex(img),
				URL:        "https://media.example.com/u/7/img_0001.jpg",
				UploadedAt: time.Date(2026, 3, 13, 22, 31, 5, 0, time.UTC), UploadIP: "203.0.113.7", UploadPort: 50123,
				Viewed: true, EXIFViewed: true, IndustryClass: "B2", Codes: []string{"csam.self_generated"},
				Source: "vault:" + id + ":0",
			},
			{
				FileName: "thread.csv", ContentType: "text/csv", Size: int64(len(chat)), SHA256: sha256Hex(chat),
				Supplemental: true, Source: "vault:" + id + ":1",
			},
			{URL: "https://thirdparty.example.net/x/1.jpg", SHA1: "0123456789abcdef0123456789abcdef01234567"},
		},
		Account: &reporting.Account{
			UserID: "u-7", Service: "Example Chat", ScreenName: "user7", DisplayName: "User Seven",
			ProfileURL: "https://example.com/u/user7", Emails: []string{"user7@example.org"}, Phones: []string{"+44 20 7946 0000"},
			IPs: []reporting.IPEvent{
				{IP: "203.0.113.7", Port: 50123, At: time.Date(2026, 3, 13, 22, 0, 0, 0, time.UTC), Event: reporting.IPEventLogin},
				{IP: "2001:db8::7", Event: reporting.IPEventRegistration},
			},
			Country: "GB", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
			DisabledAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
		},
		Victim:         &reporting.Victim{UserID: "u-8", ScreenName: "user8", Age: 15, Country: "US"},
		Decision:       &reporting.Decision{Account: reporting.AccountTerminated},
		Narrative:      "The account asked a child for images and then demanded money.",
		PriorReportIDs: []string{"100001"},
		Extra: map[string]string{
			"cybertip.companyTemplate":                           "Legal process: legal@example.com. Data kept 1 year.",
			"cybertip.lawEnforcement.agencyName":                 "Example County Sheriff",
			"cybertip.lawEnforcement.caseNumber":                 "ECS-2026-17",
			"cybertip.lawEnforcement.reportedToLe":               "true",
			"cybertip.lawEnforcement.servedLegalProcessDomestic": "false",
		},
	}
}

// batchedReport is a VIRAL_POTENTIAL_MEME report of one file.
func batchedReport(id string, files *memFiles) *reporting.Report {
	img := benignFile("meme-"+id, 1024)
	if files != nil {
		files.put("vault:"+id, img)
	}
	return &reporting.Report{
		ID:       id,
		Reporter: reporting.Reporter{Platform: "Example Photos", Contact: reporting.Contact{Email: "safety@example.com"}},
		Incident: reporting.Incident{Code: "csam", Time: time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)},
		Content: []reporting.ContentItem{{
			FileName: "meme.gif", ContentType: "image/gif", MD5: md5Hex(img), Size: int64(len(img)),
			Codes: []string{"ctx.viral", "ctx.potential_meme"}, Source: "vault:" + id,
		}},
		Account: &reporting.Account{UserID: "u-1"},
		Extra:   map[string]string{"cybertip.batched": "VIRAL_POTENTIAL_MEME"},
	}
}
