package pdq_test

import (
	"fmt"
	"image"

	"github.com/mnr-sdk/mnr/hashmatch/pdq"
)

// picture draws a benign synthetic test image.
func picture(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*w+x] = uint8((x*x + 3*y*y/2) / 97)
		}
	}
	return img
}

func Example() {
	h := pdq.NewHasher(nil) // ModeFull, like python-threatexchange and HMA
	hash, quality, err := h.Hash(picture(320, 240))
	if err != nil {
		panic(err)
	}
	fmt.Println(hash)
	fmt.Println("quality:", quality, "usable:", quality >= 50)
	// Output:
	// b8bf7370a5875a38b4c76b3c5660ad8f4b3cd670b4c1ad8f299e4b3853305330
	// quality: 100 usable: true
}

func ExampleHasher_HashDihedral() {
	img := picture(240, 240)
	mirrored := image.NewGray(img.Rect)
	for y := 0; y < 240; y++ {
		for x := 0; x < 240; x++ {
			mirrored.Pix[y*240+x] = img.Pix[y*240+239-x]
		}
	}
	h := pdq.NewHasher(nil)
	query, _, _ := h.Hash(mirrored)
	variants, _, _ := h.HashDihedral(img)
	names := []string{"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}
	for i, v := range variants {
		if d := pdq.Distance(query, v); d <= 31 {
			fmt.Printf("mirrored copy matches %s at distance %d\n", names[i], d)
		}
	}
	// Output:
	// mirrored copy matches flipy at distance 10
}

func ExampleDistance() {
	a, _ := pdq.ParseHex("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	b, _ := pdq.ParseHex("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	fmt.Println(pdq.Distance(a, b), pdq.Distance(a, b) <= 31)
	// Output:
	// 6 true
}
