package hashmatch_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// benignPicture draws a generated test picture: concentric rings.
func benignPicture() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.SetGray(x, y, color.Gray{Y: uint8(((x-160)*(x-160) + (y-120)*(y-120)) / 40)})
		}
	}
	return img
}

// Example_hashAndMatch is the snippet of the README's tour: a list holds the
// PDQ hash of a picture, and a re-encoded copy of it is found within the
// Hamming threshold although its bytes differ.
func Example_hashAndMatch() {
	ctx := context.Background()
	hasher := hashmatch.NewHasher(nil) // PDQ, MD5 and SHA-256; 64 MiB and 50 MP limits

	var original, reencoded bytes.Buffer
	png.Encode(&original, benignPicture())
	jpeg.Encode(&reencoded, benignPicture(), &jpeg.Options{Quality: 70})

	known, err := hasher.Hash(ctx, &original)
	if err != nil {
		panic(err)
	}
	pdqHash, _ := known.Get(hashmatch.KindPDQ)
	b := hashmatch.NewListBuilder(hashmatch.ListInfo{Name: "own-bank"}, nil)
	if err := b.Add(hashmatch.Entry{Hash: pdqHash, ID: "entry-1", Codes: []string{"csam"}}); err != nil {
		panic(err)
	}
	list, err := b.Build()
	if err != nil {
		panic(err)
	}
	matcher := hashmatch.NewMatcher(nil) // PDQ threshold 31, 64-bit kinds 10
	if err := matcher.Replace(list); err != nil {
		panic(err)
	}

	upload, err := hasher.Hash(ctx, &reencoded) // one decode, every requested kind
	if err != nil {
		panic(err)
	}
	res, err := matcher.Match(hashmatch.NewQuery(upload))
	if err != nil {
		panic(err)
	}
	for _, m := range res.Matches {
		fmt.Println(m.List, m.Entry, m.Kind, m.Distance <= 31, m.Codes)
	}
	// Output:
	// own-bank entry-1 pdq true [csam]
}
