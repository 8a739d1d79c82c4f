package pdq

import (
	"math"
	"slices"
	"sync"
)

// Every float expression below that multiplies and then adds wraps the product
// in an explicit float32 conversion. The Go spec lets a compiler fuse x*y+z
// into one fused multiply-add (arm64, ppc64le and s390x do), which skips a
// rounding and changes bits on degenerate images; an explicit conversion
// forces the rounding the reference performs.

// dctMatrix returns D (16x64): D[k][n] = float32(s * cos(pi/128 * (k+1) * (2n+1)))
// with s = float32(sqrt(2/64)), the double-precision construction of the
// reference. It is computed once.
var dctMatrix = sync.OnceValue(func() *[16][64]float32 {
	var d [16][64]float32
	s := float64(float32(math.Sqrt(2.0 / 64.0)))
	for k := 0; k < 16; k++ {
		for n := 0; n < 64; n++ {
			arg := (math.Pi / 2.0 / 64.0) * float64(k+1)
			arg *= float64(2*n + 1)
			d[k][n] = float32(s * math.Cos(arg))
		}
	}
	return &d
})

// quality is the reference's gradient statistic of the 64x64 grid (0..100).
func quality(g *[64][64]float32) int {
	sum := 0
	for i := 0; i < 63; i++ {
		for j := 0; j < 64; j++ {
			sum += absInt(gradStep(g[i][j], g[i+1][j]))
		}
	}
	for i := 0; i < 64; i++ {
		for j := 0; j < 63; j++ {
			sum += absInt(gradStep(g[i][j], g[i][j+1]))
		}
	}
	q := sum / 90
	if q > 100 {
		q = 100
	}
	return q
}

// gradStep is trunc(((u-v)*100)/255) in float32, as the reference computes it.
func gradStep(u, v float32) int {
	d := float32(u - v)
	d = float32(d * 100)
	d = float32(d / 255)
	return int(d)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// dct64To16 computes B = D * G * D^T, accumulating in float32 in the
// reference's order (T = D*G with the row index increasing, then B = T*D^T).
func dct64To16(g *[64][64]float32, t *[16][64]float32, b *[16][16]float32) {
	d := dctMatrix()
	for k := 0; k < 16; k++ {
		dk := &d[k]
		tk := &t[k]
		*tk = [64]float32{}
		// Accumulate row by row: tk[c] += D[k][r] * G[r][c]. Each column's sum
		// still sees r increasing, so the result equals the reference's
		// column-at-a-time loop, with unit-stride access.
		for r := 0; r < 64; r++ {
			w := dk[r]
			gr := &g[r]
			for c := 0; c < 64; c++ {
				tk[c] = float32(tk[c] + float32(w*gr[c]))
			}
		}
	}
	for k := 0; k < 16; k++ {
		tk := &t[k]
		for l := 0; l < 16; l++ {
			dl := &d[l]
			var s float32
			for c := 0; c < 64; c++ {
				s = float32(s + float32(tk[c]*dl[c]))
			}
			b[k][l] = s
		}
	}
}

// lowerMedian returns the 128th smallest of the 256 values (sorted[127]), the
// value Torben's method returns in the reference. scratch is overwritten.
func lowerMedian(v *[16][16]float32, scratch *[256]float32) float32 {
	for k := 0; k < 16; k++ {
		copy(scratch[16*k:16*k+16], v[k][:])
	}
	slices.Sort(scratch[:])
	return scratch[127]
}

// toBits sets bit 16k+l iff v[k][l] > median (strict).
func toBits(v *[16][16]float32, median float32) Hash {
	var h Hash
	for k := 0; k < 16; k++ {
		var w uint16
		for l := 0; l < 16; l++ {
			if v[k][l] > median {
				w |= 1 << l
			}
		}
		h[2*(15-k)] = byte(w >> 8)
		h[2*(15-k)+1] = byte(w)
	}
	return h
}

// Dihedral variant indexes, in the reference CLI's output order.
const (
	dihOriginal = iota
	dihRotate90
	dihRotate180
	dihRotate270
	dihFlipX
	dihFlipY
	dihFlipPlus1
	dihFlipMinus1
)

// dihedral writes into out the coefficients of variant v of the image whose
// DCT coefficients are b. Reflecting an axis multiplies frequency f on it by
// (-1)^f; index k holds frequency k+1, so even indexes change sign.
func dihedral(b *[16][16]float32, v int, out *[16][16]float32) {
	for k := 0; k < 16; k++ {
		for l := 0; l < 16; l++ {
			x := b[k][l]
			kEven, lEven, sumOdd := k&1 == 0, l&1 == 0, (k+l)&1 == 1
			switch v {
			case dihOriginal:
				out[k][l] = x
			case dihRotate90:
				if lEven {
					x = -x
				}
				out[l][k] = x
			case dihRotate180:
				if sumOdd {
					x = -x
				}
				out[k][l] = x
			case dihRotate270:
				if kEven {
					x = -x
				}
				out[l][k] = x
			case dihFlipX:
				if kEven {
					x = -x
				}
				out[k][l] = x
			case dihFlipY:
				if lEven {
					x = -x
				}
				out[k][l] = x
			case dihFlipPlus1:
				out[l][k] = x
			case dihFlipMinus1:
				if sumOdd {
					x = -x
				}
				out[l][k] = x
			}
		}
	}
}
