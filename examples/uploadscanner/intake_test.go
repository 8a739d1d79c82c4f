package main

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestInspect(t *testing.T) {
	known, err := demoImage(demoKnown)
	if err != nil {
		t.Fatal(err)
	}
	near, err := demoImage(demoNear)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		data       []byte
		maxPixels  int64
		wantStatus int
		wantCode   string
		wantFormat string
	}{
		{"png", known, defaultMaxPixels, 0, "", "png"},
		{"jpeg", near, defaultMaxPixels, 0, "", "jpeg"},
		{"over pixel cap", known, 256*256 - 1, 422, codeTooManyPixels, ""},
		{"100000x100000 png", hugePNG(100000, 100000), defaultMaxPixels, 422, codeTooManyPixels, ""},
		{"truncated header", known[:20], defaultMaxPixels, 422, codeCorrupt, ""},
		{"zero pixels", hugePNG(0, 10), defaultMaxPixels, 422, codeCorrupt, ""},
		{"zip renamed png", zipBomb(t, 1<<20), defaultMaxPixels, 415, codeUnsupportedFormat, ""},
		{"text", nonImage, defaultMaxPixels, 415, codeUnsupportedFormat, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up, err := inspect(tc.data, tc.maxPixels)
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if up.format != tc.wantFormat || up.width <= 0 || up.height <= 0 {
					t.Fatalf("got %s %dx%d", up.format, up.width, up.height)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != tc.wantStatus || ae.Code != tc.wantCode {
				t.Fatalf("err = %v, want %d %s", err, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestReadUpload(t *testing.T) {
	img := []byte("0123456789")
	multi := func(field, filename string, extra int) (*bytes.Buffer, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for i := 0; i < extra; i++ {
			mw.WriteField("note", "x")
		}
		var w interface{ Write([]byte) (int, error) }
		if filename != "" {
			w, _ = mw.CreateFormFile(field, filename)
		} else {
			w, _ = mw.CreateFormField(field)
		}
		w.Write(img)
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	t.Run("raw", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/v1/scan", bytes.NewReader(img))
		got, err := readUpload(r, 100)
		if err != nil || !bytes.Equal(got, img) {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("multipart file field", func(t *testing.T) {
		body, ct := multi("file", "a.png", 2)
		r := httptest.NewRequest("POST", "/v1/scan", body)
		r.Header.Set("Content-Type", ct)
		got, err := readUpload(r, 1000)
		if err != nil || !bytes.Equal(got, img) {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("multipart other name with filename", func(t *testing.T) {
		body, ct := multi("upload", "a.png", 0)
		r := httptest.NewRequest("POST", "/v1/scan", body)
		r.Header.Set("Content-Type", ct)
		if got, err := readUpload(r, 1000); err != nil || !bytes.Equal(got, img) {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("multipart without file", func(t *testing.T) {
		body, ct := multi("comment", "", 0)
		r := httptest.NewRequest("POST", "/v1/scan", body)
		r.Header.Set("Content-Type", ct)
		_, err := readUpload(r, 1000)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != 400 {
			t.Fatalf("err = %v, want 400", err)
		}
	})
	t.Run("too many parts", func(t *testing.T) {
		body, ct := multi("file", "a.png", maxMultipartParts+1)
		r := httptest.NewRequest("POST", "/v1/scan", body)
		r.Header.Set("Content-Type", ct)
		_, err := readUpload(r, 1<<20)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != 400 {
			t.Fatalf("err = %v, want 400", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/v1/scan", http.NoBody)
		_, err := readUpload(r, 100)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != 400 {
			t.Fatalf("err = %v, want 400", err)
		}
	})
	t.Run("over the byte cap", func(t *testing.T) {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/v1/scan", bytes.NewReader(make([]byte, 101)))
		r.Body = http.MaxBytesReader(rec, r.Body, 100)
		_, err := readUpload(r, 100)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != 413 || ae.Code != codeTooLarge {
			t.Fatalf("err = %v, want 413 too_large", err)
		}
	})
}
