package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzScanIntake feeds arbitrary bodies and content types through the upload
// intake (body or multipart reading, then the image header check). It must never
// panic, and every refusal must be a typed 4xx. Seeds are in
// testdata/fuzz/FuzzScanIntake.
func FuzzScanIntake(f *testing.F) {
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		const maxBytes = 1 << 16
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/v1/scan", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Body = http.MaxBytesReader(rec, r.Body, maxBytes)
		data, err := readUpload(r, maxBytes)
		if err == nil {
			if len(data) == 0 || len(data) > maxBytes {
				t.Fatalf("readUpload returned %d bytes", len(data))
			}
			var up *upload
			up, err = inspect(data, 1<<20)
			if err == nil {
				if up.width <= 0 || up.height <= 0 || int64(up.width)*int64(up.height) > 1<<20 {
					t.Fatalf("inspect accepted %dx%d", up.width, up.height)
				}
				return
			}
		}
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status < 400 || ae.Status > 499 || ae.Code == "" {
			t.Fatalf("refusal is not a typed 4xx: %v", err)
		}
	})
}
