package pdq

import (
	"image"
	"path/filepath"
	"testing"
)

// BenchmarkHash hashes already-decoded pixels: the 1600x1004 bridge photo as
// Go's JPEG decoder returns it (*image.YCbCr 4:2:0), the same pixels as
// *image.NRGBA, and a 12-megapixel synthetic photo. The reference C++ takes
// about 33 ms (full) and 4 ms (cli) per 1.6-megapixel image on this class of
// machine.
func BenchmarkHash(b *testing.B) {
	photo := decodeFile(b, filepath.Join("testdata", "images", "dih", "bridge-1-original.jpg"))
	raw := rawFromImage(photo)
	big := upscale(photo.(*image.YCbCr), 4032, 3024)
	imgs := []struct {
		name string
		img  image.Image
	}{
		{"ycbcr-1.6MP", photo},
		{"nrgba-1.6MP", raw.nrgba(func(int) uint8 { return 255 })},
		{"ycbcr-12MP", big},
	}
	for _, mode := range []Mode{ModeFull, ModeCLI} {
		h := NewHasher(&Options{Mode: mode})
		for _, im := range imgs {
			b.Run(mode.String()+"/"+im.name, func(b *testing.B) {
				benchHash(b, im.img, func() { h.Hash(im.img) })
			})
		}
		b.Run(mode.String()+"/dihedral/ycbcr-1.6MP", func(b *testing.B) {
			benchHash(b, photo, func() { h.HashDihedral(photo) })
		})
	}
}

// upscale resizes a 4:2:0 image by nearest neighbour (a 12-megapixel photo
// with natural content).
func upscale(src *image.YCbCr, w, h int) *image.YCbCr {
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	sb := src.Bounds()
	for y := 0; y < h; y++ {
		sy := y * sb.Dy() / h
		for x := 0; x < w; x++ {
			sx := x * sb.Dx() / w
			dst.Y[dst.YOffset(x, y)] = src.Y[src.YOffset(sx, sy)]
			ci, si := dst.COffset(x, y), src.COffset(sx, sy)
			dst.Cb[ci], dst.Cr[ci] = src.Cb[si], src.Cr[si]
		}
	}
	return dst
}

func benchHash(b *testing.B, img image.Image, f func()) {
	r := img.Bounds()
	b.SetBytes(int64(r.Dx() * r.Dy())) // "MB/s" reads as megapixels per second
	b.ReportAllocs()
	f()
	cpu0, ok := processCPU()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	if cpu1, ok1 := processCPU(); ok && ok1 {
		// CPU time of the process: on a loaded machine, wall time includes
		// waiting for a core.
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	}
}
