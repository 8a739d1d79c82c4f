package pdq

import (
	"math"
	"slices"
)

// This file is a deliberately plain transcription of the reference pipeline
// (two full float32 planes, column-strided box filters, the column-at-a-time
// DCT, a sorted median), independent of the streaming implementation. Tests
// compare the two bit for bit on inputs that have no published expected
// values: synthetic, degenerate and odd-sized images.

// rawPixels is what the reference CLI obtains from a file: 8-bit samples, one
// channel (grey) or three (RGB), row-major.
type rawPixels struct {
	w, h, channels int
	pix            []uint8
}

func (p rawPixels) at(x, y, c int) uint8 { return p.pix[(y*p.w+x)*p.channels+c] }

// resize512 is CImg's nearest-neighbour resize to 512x512.
func (p rawPixels) resize512() rawPixels {
	out := rawPixels{w: 512, h: 512, channels: p.channels, pix: make([]uint8, 512*512*p.channels)}
	for y := 0; y < 512; y++ {
		sy := int(math.Floor(float64(y) * float64(p.h) / 512.0))
		for x := 0; x < 512; x++ {
			sx := int(math.Floor(float64(x) * float64(p.w) / 512.0))
			for c := 0; c < p.channels; c++ {
				out.pix[(y*512+x)*p.channels+c] = p.at(sx, sy, c)
			}
		}
	}
	return out
}

func (p rawPixels) luma() []float32 {
	out := make([]float32, p.w*p.h)
	var cr, cg, cb float32 = 0.299, 0.587, 0.114
	for i := range out {
		if p.channels == 1 {
			out[i] = float32(p.pix[i])
			continue
		}
		r, g, b := float32(p.pix[3*i]), float32(p.pix[3*i+1]), float32(p.pix[3*i+2])
		y := float32(cr * r)
		y = float32(y + float32(cg*g))
		y = float32(y + float32(cb*b))
		out[i] = y
	}
	return out
}

// oracleBox is box1DFloat: in and out are addressed with a stride.
func oracleBox(in, out []float32, length, stride, win int) {
	half := (win + 2) / 2
	p1, p2, p3, p4 := half-1, win-half+1, length-win, half-1
	li, ri, oi := 0, 0, 0
	var sum float32
	cur := 0
	for i := 0; i < p1; i++ {
		sum = float32(sum + in[ri])
		cur++
		ri += stride
	}
	for i := 0; i < p2; i++ {
		sum = float32(sum + in[ri])
		cur++
		out[oi] = float32(sum / float32(cur))
		ri += stride
		oi += stride
	}
	for i := 0; i < p3; i++ {
		sum = float32(sum + in[ri])
		sum = float32(sum - in[li])
		out[oi] = float32(sum / float32(cur))
		li += stride
		ri += stride
		oi += stride
	}
	for i := 0; i < p4; i++ {
		sum = float32(sum - in[li])
		cur--
		out[oi] = float32(sum / float32(cur))
		li += stride
		oi += stride
	}
}

// oracleFloat returns the 16x16 DCT output and quality of a luma plane, or
// ok=false for a plane under 5 pixels on a side. skip64 is the shortcut of
// the reference's non-dihedral entry point.
func oracleFloat(luma []float32, w, h int, skip64 bool) (b [16][16]float32, quality int, ok bool) {
	if w < 5 || h < 5 {
		return b, 0, false
	}
	var g [64][64]float32
	if skip64 && w == 64 && h == 64 {
		for i := 0; i < 64; i++ {
			copy(g[i][:], luma[i*64:i*64+64])
		}
	} else {
		buf1 := slices.Clone(luma)
		buf2 := make([]float32, len(luma))
		wr := (w + 2*64 - 1) / (2 * 64)
		wc := (h + 2*64 - 1) / (2 * 64)
		for pass := 0; pass < 2; pass++ {
			for i := 0; i < h; i++ {
				oracleBox(buf1[i*w:], buf2[i*w:], w, 1, wr)
			}
			for j := 0; j < w; j++ {
				oracleBox(buf2[j:], buf1[j:], h, w, wc)
			}
		}
		for i := 0; i < 64; i++ {
			ini := int(((float64(i) + 0.5) * float64(h)) / 64)
			for j := 0; j < 64; j++ {
				inj := int(((float64(j) + 0.5) * float64(w)) / 64)
				g[i][j] = buf1[ini*w+inj]
			}
		}
	}
	sum := 0
	step := func(u, v float32) {
		d := int(float32(float32(float32(u-v)*100) / 255))
		if d < 0 {
			d = -d
		}
		sum += d
	}
	for i := 0; i < 63; i++ {
		for j := 0; j < 64; j++ {
			step(g[i][j], g[i+1][j])
		}
	}
	for i := 0; i < 64; i++ {
		for j := 0; j < 63; j++ {
			step(g[i][j], g[i][j+1])
		}
	}
	quality = min(sum/90, 100)

	var d [16][64]float32
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			d[i][j] = float32(float64(scale) * math.Cos((math.Pi/2.0/64.0)*float64(i+1)*float64(2*j+1)))
		}
	}
	var t [16][64]float32
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s = float32(s + float32(d[i][k]*g[k][j]))
			}
			t[i][j] = s
		}
	}
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s = float32(s + float32(t[i][k]*d[j][k]))
			}
			b[i][j] = s
		}
	}
	return b, quality, true
}

func oracleBits(b [16][16]float32) Hash {
	vals := make([]float32, 0, 256)
	for i := range b {
		vals = append(vals, b[i][:]...)
	}
	slices.Sort(vals)
	median := vals[127]
	var h Hash
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			if b[i][j] > median {
				// Bit 16i+j of the 256-bit number printed big-endian in hex.
				bit := 16*i + j
				h[31-bit/8] |= 1 << (bit % 8)
			}
		}
	}
	return h
}

// oracleHash hashes raw pixels as the reference would in the given mode.
func oracleHash(p rawPixels, mode Mode) (Hash, int) {
	if mode == ModeCLI && (p.w > 512 || p.h > 512) {
		p = p.resize512()
	}
	b, q, ok := oracleFloat(p.luma(), p.w, p.h, true)
	if !ok {
		return Hash{}, 0
	}
	return oracleBits(b), q
}

// oracleDihedral returns the 8 dihedral hashes, built with the reference's
// sign/transpose tables written out.
func oracleDihedral(p rawPixels, mode Mode) ([8]Hash, int) {
	var out [8]Hash
	if mode == ModeCLI && (p.w > 512 || p.h > 512) {
		p = p.resize512()
	}
	b, q, ok := oracleFloat(p.luma(), p.w, p.h, false)
	if !ok {
		return out, 0
	}
	type rule struct {
		transpose bool
		neg       func(i, j int) bool
	}
	rules := [8]rule{
		{false, func(i, j int) bool { return false }},
		{true, func(i, j int) bool { return j%2 == 0 }},
		{false, func(i, j int) bool { return (i+j)%2 == 1 }},
		{true, func(i, j int) bool { return i%2 == 0 }},
		{false, func(i, j int) bool { return i%2 == 0 }},
		{false, func(i, j int) bool { return j%2 == 0 }},
		{true, func(i, j int) bool { return false }},
		{true, func(i, j int) bool { return (i+j)%2 == 1 }},
	}
	for v, r := range rules {
		var a [16][16]float32
		for i := 0; i < 16; i++ {
			for j := 0; j < 16; j++ {
				x := b[i][j]
				if r.neg(i, j) {
					x = -x
				}
				if r.transpose {
					a[j][i] = x
				} else {
					a[i][j] = x
				}
			}
		}
		out[v] = oracleBits(a)
	}
	return out, q
}
