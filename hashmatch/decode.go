package hashmatch

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// ErrUnsupportedFormat is returned for bytes that are not an image in one of
// the formats the Hasher decodes (JPEG, PNG, GIF, WebP, BMP, TIFF).
var ErrUnsupportedFormat = errors.New("hashmatch: unsupported image format")

// imageFormat is one decodable format. mnr calls the decoders directly
// rather than through image.Decode, so that the set of formats does not
// depend on which packages a program happens to import (image's registry
// is global).
type imageFormat struct {
	name   string
	config func(b []byte) (image.Config, error)
	decode func(b []byte) (image.Image, error)
}

var formats = [...]imageFormat{
	{"jpeg", func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
	{"png", func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
	{"gif", func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }},
	{"webp", func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }},
	{"bmp", func(b []byte) (image.Config, error) { return bmp.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return bmp.Decode(bytes.NewReader(b)) }},
	{"tiff", func(b []byte) (image.Config, error) { return tiff.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) (image.Image, error) { return tiff.Decode(bytes.NewReader(b)) }},
}

// sniff identifies the format from the leading magic bytes, or returns nil.
func sniff(b []byte) *imageFormat {
	has := func(prefix string) bool { return bytes.HasPrefix(b, []byte(prefix)) }
	switch {
	case has("\xff\xd8\xff"):
		return &formats[0]
	case has("\x89PNG\r\n\x1a\n"):
		return &formats[1]
	case has("GIF87a"), has("GIF89a"):
		return &formats[2]
	case len(b) >= 15 && has("RIFF") && string(b[8:15]) == "WEBPVP8":
		return &formats[3]
	case has("BM"):
		return &formats[4]
	case has("II*\x00"), has("MM\x00*"):
		return &formats[5]
	}
	return nil
}

// decodeLimits bound one decode.
type decodeLimits struct {
	maxPixels int64
}

// decodeConfig sniffs the format and reads the header, refusing images with
// more pixels than the limit before any pixel is decoded.
func decodeConfig(b []byte, lim decodeLimits) (*imageFormat, image.Config, error) {
	f := sniff(b)
	if f == nil {
		return nil, image.Config{}, ErrUnsupportedFormat
	}
	cfg, err := safeConfig(f, b)
	if err != nil {
		return f, cfg, fmt.Errorf("%w: %s header: %w", ErrCorrupt, f.name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return f, cfg, fmt.Errorf("%w: %s header declares %dx%d pixels", ErrCorrupt, f.name, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.maxPixels {
		return f, cfg, fmt.Errorf("%w: %s of %dx%d pixels (%d), limit %d", ErrTooLarge, f.name, cfg.Width, cfg.Height, px, lim.maxPixels)
	}
	return f, cfg, nil
}

// decodeImage decodes b after decodeConfig accepted it.
func decodeImage(f *imageFormat, b []byte) (image.Image, error) {
	img, err := safeDecode(f, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, f.name, err)
	}
	r := img.Bounds()
	if r.Empty() {
		return nil, fmt.Errorf("%w: %s decoded to an empty image", ErrCorrupt, f.name)
	}
	return img, nil
}

// errDecoderPanic reports a decoder that panicked on hostile input; the
// Hasher turns the panic into ErrCorrupt instead of crashing the program.
var errDecoderPanic = errors.New("decoder panicked")

func safeConfig(f *imageFormat, b []byte) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errDecoderPanic
		}
	}()
	return f.config(b)
}

func safeDecode(f *imageFormat, b []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, errDecoderPanic
		}
	}()
	return f.decode(b)
}
