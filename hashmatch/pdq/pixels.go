package pdq

import (
	"image"
	"image/color"
	"sync"
)

// Luma tables: lumaR[v] = float32(0.299) * float32(v), and so on. Looking a
// product up gives the same float32 value as computing it, so the luma of a
// pixel is (lumaR[r] + lumaG[g]) + lumaB[b], in the reference's order.
type lumaTables struct {
	r, g, b, grey [256]float32
}

var tables = sync.OnceValue(func() *lumaTables {
	t := new(lumaTables)
	const cr, cg, cb float32 = 0.299, 0.587, 0.114
	for v := 0; v < 256; v++ {
		f := float32(v)
		t.r[v] = float32(cr * f)
		t.g[v] = float32(cg * f)
		t.b[v] = float32(cb * f)
		t.grey[v] = f
	}
	return t
})

// rgbLuma is the reference's 3-channel luma of one 8-bit pixel.
func (t *lumaTables) rgbLuma(r, g, b uint8) float32 {
	return float32(t.r[r]+t.g[g]) + t.b[b]
}

// source reads luma rows from an image. The reference turns a decoded picture
// into one channel (grey) or three (RGB) exactly as ImageMagick's PNM writer
// does: a picture whose every pixel has R = G = B goes down the grey path
// (luma = the grey value), any other down the RGB path. For Go images:
//
//   - *image.Gray and *image.Gray16 are grey;
//   - other types are grey when every pixel's 8-bit R, G and B are equal;
//   - alpha is ignored and never multiplied in (the stored colour is used);
//   - 16-bit samples contribute their high byte.
type source struct {
	img  image.Image
	rect image.Rectangle
	grey bool
	t    *lumaTables
	pal  [256]float32 // *image.Paletted: luma per palette index
}

// init prepares s to read img.
func (s *source) init(img image.Image) {
	*s = source{img: img, rect: img.Bounds(), t: tables()}
	s.grey = isGrey(img, s.rect)
	if p, ok := img.(*image.Paletted); ok {
		for i := range s.pal {
			if i < len(p.Palette) && p.Palette[i] != nil {
				r, g, b := rgb8(p.Palette[i])
				if s.grey {
					s.pal[i] = s.t.grey[g]
				} else {
					s.pal[i] = s.t.rgbLuma(r, g, b)
				}
			}
		}
	}
}

// rgb8 converts a colour to 8-bit R, G, B without premultiplying by alpha.
func rgb8(c color.Color) (r, g, b uint8) {
	switch c := c.(type) {
	case color.NRGBA:
		return c.R, c.G, c.B
	case color.RGBA:
		return c.R, c.G, c.B
	case color.Gray:
		return c.Y, c.Y, c.Y
	case color.Gray16:
		y := uint8(c.Y >> 8)
		return y, y, y
	case color.NRGBA64:
		return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
	case color.RGBA64:
		return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
	case color.YCbCr:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case color.NYCbCrA:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case color.CMYK:
		return color.CMYKToRGB(c.C, c.M, c.Y, c.K)
	case nil:
		return 0, 0, 0
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return n.R, n.G, n.B
}

// isGrey reports whether the picture takes the reference's one-channel path.
// Colour pictures usually fail on the first pixel, so the scan is cheap.
func isGrey(img image.Image, r image.Rectangle) bool {
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	case *image.RGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			p := m.Pix[m.PixOffset(r.Min.X, y):]
			for i := 0; i < 4*r.Dx(); i += 4 {
				if p[i] != p[i+1] || p[i+1] != p[i+2] {
					return false
				}
			}
		}
		return true
	case *image.NRGBA:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			p := m.Pix[m.PixOffset(r.Min.X, y):]
			for i := 0; i < 4*r.Dx(); i += 4 {
				if p[i] != p[i+1] || p[i+1] != p[i+2] {
					return false
				}
			}
		}
		return true
	case *image.YCbCr:
		return ycbcrGrey(m, r)
	case *image.NYCbCrA:
		return ycbcrGrey(&m.YCbCr, r)
	case *image.Paletted:
		var used [256]bool
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()]
			for _, ix := range row {
				used[ix] = true
			}
		}
		for i, u := range used {
			if !u {
				continue
			}
			if i >= len(m.Palette) || m.Palette[i] == nil {
				continue // read as black, which is grey
			}
			cr, cg, cb := rgb8(m.Palette[i])
			if cr != cg || cg != cb {
				return false
			}
		}
		return true
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb := rgb8(img.At(x, y))
			if cr != cg || cg != cb {
				return false
			}
		}
	}
	return true
}

func ycbcrGrey(m *image.YCbCr, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			cr, cg, cb := ycc(m.Y[yi], m.Cb[ci], m.Cr[ci])
			if cr != cg || cg != cb {
				return false
			}
		}
	}
	return true
}

// row fills dst with the luma of row y (relative to the image's top-left):
// dst[i] is column xs[i] when xs is non-nil, column i otherwise.
func (s *source) row(dst []float32, y int, xs []int) {
	r := s.rect
	ay := r.Min.Y + y
	t := s.t
	switch m := s.img.(type) {
	case *image.Gray:
		p := m.Pix[m.PixOffset(r.Min.X, ay):]
		if xs == nil {
			p = p[:len(dst)]
			for i, v := range p {
				dst[i] = t.grey[v]
			}
			return
		}
		for i, x := range xs {
			dst[i] = t.grey[p[x]]
		}
		return
	case *image.Gray16:
		p := m.Pix[m.PixOffset(r.Min.X, ay):]
		if xs == nil {
			p = p[:2*len(dst)]
			for i := range dst {
				dst[i] = t.grey[p[2*i]]
			}
			return
		}
		for i, x := range xs {
			dst[i] = t.grey[p[2*x]]
		}
		return
	case *image.Paletted:
		p := m.Pix[m.PixOffset(r.Min.X, ay):]
		if xs == nil {
			p = p[:len(dst)]
			for i, v := range p {
				dst[i] = s.pal[v]
			}
			return
		}
		for i, x := range xs {
			dst[i] = s.pal[p[x]]
		}
		return
	case *image.RGBA:
		s.row4(dst, m.Pix[m.PixOffset(r.Min.X, ay):], 4, xs)
		return
	case *image.NRGBA:
		s.row4(dst, m.Pix[m.PixOffset(r.Min.X, ay):], 4, xs)
		return
	case *image.RGBA64:
		s.row4(dst, m.Pix[m.PixOffset(r.Min.X, ay):], 8, xs)
		return
	case *image.NRGBA64:
		s.row4(dst, m.Pix[m.PixOffset(r.Min.X, ay):], 8, xs)
		return
	case *image.YCbCr:
		s.rowYCbCr(dst, m, ay, xs)
		return
	case *image.NYCbCrA:
		s.rowYCbCr(dst, &m.YCbCr, ay, xs)
		return
	case *image.CMYK:
		p := m.Pix[m.PixOffset(r.Min.X, ay):]
		for i := range dst {
			x := i
			if xs != nil {
				x = xs[i]
			}
			q := p[4*x : 4*x+4]
			cr, cg, cb := color.CMYKToRGB(q[0], q[1], q[2], q[3])
			dst[i] = s.luma(cr, cg, cb)
		}
		return
	}
	for i := range dst {
		x := i
		if xs != nil {
			x = xs[i]
		}
		cr, cg, cb := rgb8(s.img.At(r.Min.X+x, ay))
		dst[i] = s.luma(cr, cg, cb)
	}
}

func (s *source) luma(r, g, b uint8) float32 {
	if s.grey {
		return s.t.grey[g]
	}
	return s.t.rgbLuma(r, g, b)
}

// row4 reads interleaved R,G,B,A samples, sz bytes per pixel (4 for 8-bit, 8
// for 16-bit big-endian samples, whose high byte comes first).
func (s *source) row4(dst []float32, p []byte, sz int, xs []int) {
	t := s.t
	c := sz / 4 // byte distance between channels
	if s.grey {
		if xs == nil {
			for i := range dst {
				dst[i] = t.grey[p[sz*i+c]]
			}
			return
		}
		for i, x := range xs {
			dst[i] = t.grey[p[sz*x+c]]
		}
		return
	}
	if xs == nil && sz == 4 {
		p = p[:4*len(dst)]
		for i := range dst {
			q := p[4*i : 4*i+3 : 4*i+3]
			dst[i] = float32(t.r[q[0]]+t.g[q[1]]) + t.b[q[2]]
		}
		return
	}
	for i := range dst {
		x := i
		if xs != nil {
			x = xs[i]
		}
		o := sz * x
		dst[i] = float32(t.r[p[o]]+t.g[p[o+c]]) + t.b[p[o+2*c]]
	}
}

func (s *source) rowYCbCr(dst []float32, m *image.YCbCr, ay int, xs []int) {
	minX := s.rect.Min.X
	yrow := m.Y[m.YOffset(minX, ay):]
	c0 := m.COffset(minX, ay)
	var shift uint
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		shift = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		shift = 2
	}
	// Fast paths need the image's left edge on a chroma sample boundary, so
	// that column i of the row uses chroma sample i>>shift.
	if !s.grey && minX >= 0 && minX&(1<<shift-1) == 0 {
		cb, cr := m.Cb[c0:], m.Cr[c0:]
		switch {
		case xs != nil:
			yccRowGather(dst, yrow, cb, cr, xs, shift, s.t)
			return
		case shift == 1:
			yccRowPairs(dst, yrow[:len(dst)], cb, cr, s.t)
			return
		case shift == 0:
			yccRowFull(dst, yrow[:len(dst)], cb, cr, s.t)
			return
		}
	}
	for i := range dst {
		x := i
		if xs != nil {
			x = xs[i]
		}
		ci := m.COffset(minX+x, ay)
		dst[i] = s.luma(ycc(yrow[x], m.Cb[ci], m.Cr[ci]))
	}
}

// The yccRow functions below convert Y'CbCr to RGB exactly as ycc does and
// take the RGB-path luma, written out so the loops keep their values in
// registers. Chroma terms are in 16.16 fixed point.

// yccRowPairs handles horizontally subsampled chroma (4:2:0, 4:2:2): one
// chroma sample for each pair of pixels.
func yccRowPairs(dst []float32, yrow, cb, cr []uint8, t *lumaTables) {
	n := len(yrow)
	dst = dst[:n]
	pairs := n / 2
	cb, cr = cb[:(n+1)/2], cr[:(n+1)/2]
	for j := 0; j < pairs; j++ {
		u := int32(cb[j]) - 128
		v := int32(cr[j]) - 128
		rc, gc, bc := 91881*v, -22554*u-46802*v, 116130*u
		y0 := int32(yrow[2*j]) * 0x10101
		y1 := int32(yrow[2*j+1]) * 0x10101
		r0, g0, b0 := y0+rc, y0+gc, y0+bc
		r1, g1, b1 := y1+rc, y1+gc, y1+bc
		if uint32(r0)|uint32(g0)|uint32(b0)|uint32(r1)|uint32(g1)|uint32(b1) >= 1<<24 {
			r0, g0, b0 = clampRaw(r0), clampRaw(g0), clampRaw(b0)
			r1, g1, b1 = clampRaw(r1), clampRaw(g1), clampRaw(b1)
		}
		dst[2*j] = float32(t.r[uint8(r0>>16)]+t.g[uint8(g0>>16)]) + t.b[uint8(b0>>16)]
		dst[2*j+1] = float32(t.r[uint8(r1>>16)]+t.g[uint8(g1>>16)]) + t.b[uint8(b1>>16)]
	}
	if n&1 == 1 {
		u := int32(cb[pairs]) - 128
		v := int32(cr[pairs]) - 128
		base := int32(yrow[n-1]) * 0x10101
		r, g, b := clampRaw(base+91881*v), clampRaw(base-22554*u-46802*v), clampRaw(base+116130*u)
		dst[n-1] = float32(t.r[uint8(r>>16)]+t.g[uint8(g>>16)]) + t.b[uint8(b>>16)]
	}
}

// yccRowFull handles full-resolution chroma (4:4:4, 4:4:0).
func yccRowFull(dst []float32, yrow, cb, cr []uint8, t *lumaTables) {
	n := len(yrow)
	dst, cb, cr = dst[:n], cb[:n], cr[:n]
	for i := 0; i < n; i++ {
		u := int32(cb[i]) - 128
		v := int32(cr[i]) - 128
		base := int32(yrow[i]) * 0x10101
		r, g, b := base+91881*v, base-22554*u-46802*v, base+116130*u
		if uint32(r)|uint32(g)|uint32(b) >= 1<<24 {
			r, g, b = clampRaw(r), clampRaw(g), clampRaw(b)
		}
		dst[i] = float32(t.r[uint8(r>>16)]+t.g[uint8(g>>16)]) + t.b[uint8(b>>16)]
	}
}

// yccRowGather handles the sampled columns of the CLI pre-resize.
func yccRowGather(dst []float32, yrow, cb, cr []uint8, xs []int, shift uint, t *lumaTables) {
	dst = dst[:len(xs)]
	shift &= 3
	for i, x := range xs {
		c := x >> shift
		u := int32(cb[c]) - 128
		v := int32(cr[c]) - 128
		base := int32(yrow[x]) * 0x10101
		r, g, b := base+91881*v, base-22554*u-46802*v, base+116130*u
		if uint32(r)|uint32(g)|uint32(b) >= 1<<24 {
			r, g, b = clampRaw(r), clampRaw(g), clampRaw(b)
		}
		dst[i] = float32(t.r[uint8(r>>16)]+t.g[uint8(g>>16)]) + t.b[uint8(b>>16)]
	}
}

// clampRaw limits a 16.16 fixed-point channel to 0..255<<16.
func clampRaw(x int32) int32 {
	if x < 0 {
		return 0
	}
	if x >= 256<<16 {
		return 255 << 16
	}
	return x
}

// ycc converts a Y'CbCr sample to 8-bit RGB with the same integer arithmetic
// as color.YCbCrToRGB (JFIF coefficients scaled by 2^16, rounding term 257*Y),
// which is what Go's decoders hand out; it is inlined here for speed. A test
// checks all 2^24 inputs against the standard library.
func ycc(y, cb, cr uint8) (uint8, uint8, uint8) {
	base := int32(y) * 0x10101
	u := int32(cb) - 128
	v := int32(cr) - 128
	return clamp16(base + 91881*v), clamp16(base - 22554*u - 46802*v), clamp16(base + 116130*u)
}

// clamp16 returns x>>16 limited to 0..255.
func clamp16(x int32) uint8 {
	if x < 0 {
		return 0
	}
	if x >= 256<<16 {
		return 255
	}
	return uint8(x >> 16)
}
