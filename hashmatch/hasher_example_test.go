package hashmatch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"

	"github.com/mnr-sdk/mnr/hashmatch"
)

func ExampleHasher() {
	// A benign synthetic picture stands in for an upload.
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		x, y := i%320, i/320
		img.Pix[i] = uint8((x*x + 3*y*y/2) / 97)
	}
	var upload bytes.Buffer
	if err := png.Encode(&upload, img); err != nil {
		panic(err)
	}

	h := hashmatch.NewHasher(&hashmatch.HasherOptions{
		Kinds: []hashmatch.Kind{hashmatch.KindPDQ, hashmatch.KindPHash},
	})
	res, err := h.Hash(context.Background(), &upload)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Format, res.Width, res.Height)
	for _, hv := range res.Hashes {
		fmt.Println(hv)
	}
	fmt.Println("pdq quality:", res.PDQQuality)
	// Output:
	// png 320 240
	// pdq:b8bf7370a5875a38b4c76b3c5660ad8f4b3cd670b4c1ad8f299e4b3853305330
	// phash:87070e1e3cf9e307
	// pdq quality: 100
}

func ExampleHasher_Hash_limits() {
	h := hashmatch.NewHasher(&hashmatch.HasherOptions{MaxBytes: 1 << 20})
	_, err := h.Hash(context.Background(), bytes.NewReader([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;")))
	fmt.Println(errors.Is(err, hashmatch.ErrTooLarge))
	_, err = h.Hash(context.Background(), bytes.NewReader([]byte("%PDF-1.7")))
	fmt.Println(errors.Is(err, hashmatch.ErrUnsupportedFormat))
	_, err = h.Hash(context.Background(), bytes.NewReader([]byte("\x89PNG\r\n\x1a\n\x00\x00")))
	fmt.Println(errors.Is(err, hashmatch.ErrCorrupt))
	// Output:
	// true
	// true
	// true
}
