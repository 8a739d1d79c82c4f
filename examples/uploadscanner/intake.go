package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	// The formats the scanner decodes, the ones hashmatch supports. Registering
	// them lets image.DecodeConfig read their headers.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// upload is one received file. Its bytes never reach a log, an error message or a
// response.
type upload struct {
	data          []byte
	format        string // "png", "jpeg", ... from the image header
	width, height int
}

// readUpload reads the upload from r: the raw body, or the first file part of a
// multipart/form-data body (the field "file", or any part with a file name). The
// body must already be wrapped in http.MaxBytesReader; exceeding it is a 413.
func readUpload(r *http.Request, maxBytes int64) ([]byte, error) {
	var src io.Reader = r.Body
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, newAPIError(http.StatusBadRequest, codeBadRequest, "multipart body without a boundary")
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		part, err := firstFilePart(mr)
		if err != nil {
			return nil, uploadReadError(err)
		}
		defer part.Close()
		src = part
	}
	// Preallocate when the client announces a plausible size, so reading does
	// not double the buffer on the way up.
	size := int64(bytes.MinRead)
	if r.ContentLength > 0 && r.ContentLength <= maxBytes {
		size = r.ContentLength + bytes.MinRead
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := buf.ReadFrom(src); err != nil {
		return nil, uploadReadError(err)
	}
	if buf.Len() == 0 {
		return nil, newAPIError(http.StatusBadRequest, codeBadRequest, "empty upload: send the image as the request body or as the multipart field \"file\"")
	}
	return buf.Bytes(), nil
}

// firstFilePart returns the multipart part holding the upload.
func firstFilePart(mr *multipart.Reader) (*multipart.Part, error) {
	for i := 0; i < maxMultipartParts; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, newAPIError(http.StatusBadRequest, codeBadRequest, "multipart body has no file part (use the field name \"file\")")
		}
		if err != nil {
			return nil, err
		}
		if p.FormName() == "file" || p.FileName() != "" {
			return p, nil
		}
		p.Close()
	}
	return nil, newAPIError(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("multipart body has more than %d parts before the file", maxMultipartParts))
}

// maxMultipartParts bounds the form fields skipped before the file part.
const maxMultipartParts = 16

// uploadReadError maps a body read error: over the byte cap is 413, anything else
// (a client that went away, a malformed multipart body) is 400.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: "upload exceeds " + itoa(mbe.Limit) + " bytes (-max-upload-bytes)", cause: err}
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Message: "could not read the upload body", cause: err}
}

// inspect reads only the image header: the format and the declared size. It
// refuses unknown formats (415), unreadable headers (422) and images over
// maxPixels (422) before anything is decoded.
func inspect(data []byte, maxPixels int64) (*upload, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedFormat,
			Message: "not an image in a supported format (JPEG, PNG, GIF, WebP, BMP, TIFF)", cause: err}
	}
	if err != nil {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: codeCorrupt,
			Message: "the image header is truncated or malformed", cause: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: codeCorrupt, Message: "the image declares no pixels"}
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: codeTooManyPixels,
			Message: fmt.Sprintf("the image declares %dx%d pixels, over the limit of %d (-max-pixels)", cfg.Width, cfg.Height, maxPixels)}
	}
	return &upload{data: data, format: format, width: cfg.Width, height: cfg.Height}, nil
}
