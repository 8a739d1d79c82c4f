// Package pdq computes Meta's PDQ perceptual image hash in pure Go: a 256-bit
// hash, a quality score and the hashes of the image's 7 other rotations and
// reflections, bit for bit as the reference C++ implementation
// (facebook/ThreatExchange, pdq/cpp) computes them from the same pixels.
//
// It uses only the standard library. Decoding is the caller's business (the
// hashmatch package reads uploads, enforces size limits and decodes them).
//
// # Model
//
// A [Hasher] turns an [image.Image] into a [Hash] and a quality from 0 to 100.
// Hashes of visually similar images are close in Hamming distance
// ([Distance]); the reference considers a distance of at most 31 a match and
// advises discarding hashes of quality below 50. Hex encoding ([Hash.String],
// [ParseHex]) and bit order are the reference's: 64 lowercase hex digits whose
// first four are DCT row 15.
//
// There are two reference behaviours, and a Hasher reproduces either:
//
//   - [ModeFull] (the default) hashes the full-resolution pixels. This is the
//     reference library function, which python-threatexchange, Hasher-Matcher-
//     Actioner and the Java port use; most hash lists shared today were built
//     this way.
//   - [ModeCLI] first resizes images larger than 512 pixels on a side to
//     512x512 by nearest neighbour, as the reference command-line tool does.
//     It is several times faster on large photos; its hashes are typically
//     2-10 bits from ModeFull's on such images and identical on smaller ones.
//
// [Hasher.HashDihedral] returns the 8 dihedral hashes (original, 3 rotations,
// 4 reflections) from one pass, in the reference CLI's order. A query can be
// matched against all 8 to catch rotated or mirrored copies; do not pick a
// "canonical" one, small differences make that choice unstable.
//
// # Pixels
//
// The hash is reproducible only if everyone feeds it the same pixels, so the
// rules are fixed and follow the reference tool chain:
//
//   - Luma is 0.299 R + 0.587 G + 0.114 B in float32, products rounded before
//     they are added. An image whose pixels all have R = G = B (including
//     *image.Gray, grey+alpha PNGs and grey JPEGs) uses the grey value itself,
//     as the reference does for the one-channel images ImageMagick hands it.
//   - Alpha is ignored: the stored colour under a transparent pixel counts,
//     never a colour premultiplied by alpha (Go's image/color.RGBA would
//     turn it black and change the hash).
//   - 16-bit samples contribute their high byte. (The reference CLI keeps the
//     low byte, which is noise; no port copies that.)
//   - Y'CbCr images are converted to RGB as image/color.YCbCrToRGB does.
//   - EXIF orientation is not this package's concern; the reference ignores
//     it, and hashmatch ignores it unless asked (which changes the hash).
//   - An image narrower or shorter than 5 pixels hashes to the zero Hash with
//     quality 0, not an error.
//
// Every floating-point step is float32 in the reference's order, with explicit
// conversions wherever a product meets a sum, so that no compiler may fuse a
// multiply-add: hashes are the same on amd64, arm64 and every other
// architecture, including on degenerate images (flat colour, gradients) where
// one rounding decides many bits.
//
// # Concurrency
//
// A Hasher is safe for concurrent use by multiple goroutines. It keeps its
// working buffers in a sync.Pool, so hashing the image types Go's decoders
// return (*image.YCbCr, *image.NRGBA, *image.Gray, *image.Paletted and so
// on) allocates nothing in steady state. Other image types go through At
// and allocate per pixel.
//
// # Errors
//
// Hashing fails only for a nil image ([ErrNilImage]) or one with more pixels
// than the Hasher's limit ([ErrTooLarge]); [ParseHex] returns
// [ErrInvalidHex] and [ParseMode] [ErrUnknownMode]. No image or string makes
// the package panic (an image type whose own At method panics still does).
//
// # Limits
//
// [Options].MaxPixels (default [DefaultMaxPixels], 2^28) bounds the pixels one
// call reads. Memory does not scale with the image: the blur streams over the
// rows and keeps about 4*W*(ceil(H/128)+4) bytes, about 1.7 MB for a
// 50-megapixel photo.
//
// # Speed
//
// On one core of a 2-core AMD EPYC virtual machine, a 1.6-megapixel decoded
// photo (*image.YCbCr, as image/jpeg returns it) hashes in about 10 ms of
// CPU in ModeFull and 2 ms in ModeCLI (the reference C++ takes about 33 ms
// and 4 ms); see BENCHMARKS.md in the repository root.
package pdq
