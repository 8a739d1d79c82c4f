package hashmatch

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
)

// EXIF orientation. The reference PDQ tools ignore it (ImageMagick does not
// auto-orient unless asked), so hash lists built with them hash the stored
// pixels; the Hasher does the same unless HasherOptions.ApplyOrientation is
// set. Applying it turns the image upright first, which changes the hash
// completely for orientations 5-8 (about 130 bits for a quarter turn).

// maxOrientationScan bounds how many bytes of metadata are examined.
const maxOrientationScan = 1 << 20

// exifOrientation returns the EXIF orientation (1..8) stored in a JPEG
// (APP1), PNG (eXIf), WebP (EXIF chunk) or TIFF (IFD0) file, or 0 when there
// is none or it is malformed.
func exifOrientation(format string, b []byte) int {
	if len(b) > maxOrientationScan {
		b = b[:maxOrientationScan]
	}
	switch format {
	case "jpeg":
		return jpegOrientation(b)
	case "png":
		return pngOrientation(b)
	case "webp":
		return webpOrientation(b)
	case "tiff":
		return tiffOrientation(b)
	}
	return 0
}

func jpegOrientation(b []byte) int {
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return 0
		}
		marker := b[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			i += 2 // no length
			continue
		case marker == 0xda || marker == 0xd9: // start of scan, end of image
			return 0
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 0
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 0
}

func pngOrientation(b []byte) int {
	i := 8
	for i+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || n > len(b)-i-12 {
			return 0
		}
		switch typ {
		case "eXIf":
			return tiffOrientation(b[i+8 : i+8+n])
		case "IDAT", "IEND":
			return 0
		}
		i += 12 + n
	}
	return 0
}

func webpOrientation(b []byte) int {
	i := 12 // "RIFF" size "WEBP"
	for i+8 <= len(b) {
		typ := string(b[i : i+4])
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if n < 0 || n > len(b)-i-8 {
			return 0
		}
		if typ == "EXIF" {
			d := b[i+8 : i+8+n]
			d = bytes.TrimPrefix(d, []byte("Exif\x00\x00"))
			return tiffOrientation(d)
		}
		i += 8 + n + n&1
	}
	return 0
}

// tiffOrientation reads tag 0x0112 (Orientation) from IFD0 of a TIFF
// structure.
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(b[4:]))
	if off < 8 || off+2 > int64(len(b)) {
		return 0
	}
	count := int64(bo.Uint16(b[off:]))
	for k := int64(0); k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > int64(len(b)) {
			return 0
		}
		if bo.Uint16(b[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(b[e+2:]) != 3 || bo.Uint32(b[e+4:]) != 1 { // SHORT, count 1
			return 0
		}
		if v := int(bo.Uint16(b[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orient returns img turned upright for EXIF orientation o (2..8); other
// values return img unchanged. The result is a new image of the same pixel
// values: *image.Gray, *image.RGBA and *image.NRGBA keep their type, others
// become *image.NRGBA (alpha kept, never premultiplied).
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// src maps a destination pixel to the source pixel it shows.
	src := func(x, y int) (int, int) {
		switch o {
		case 2:
			return w - 1 - x, y
		case 3:
			return w - 1 - x, h - 1 - y
		case 4:
			return x, h - 1 - y
		case 5:
			return y, x
		case 6:
			return y, h - 1 - x
		case 7:
			return w - 1 - y, h - 1 - x
		default: // 8
			return w - 1 - y, x
		}
	}
	r := image.Rect(0, 0, dw, dh)
	switch m := img.(type) {
	case *image.Gray:
		out := image.NewGray(r)
		for y := 0; y < dh; y++ {
			for x := 0; x < dw; x++ {
				sx, sy := src(x, y)
				out.Pix[y*out.Stride+x] = m.Pix[m.PixOffset(b.Min.X+sx, b.Min.Y+sy)]
			}
		}
		return out
	case *image.RGBA:
		out := image.NewRGBA(r)
		copy4(out.Pix, out.Stride, dw, dh, m.Pix, func(x, y int) int {
			sx, sy := src(x, y)
			return m.PixOffset(b.Min.X+sx, b.Min.Y+sy)
		})
		return out
	case *image.NRGBA:
		out := image.NewNRGBA(r)
		copy4(out.Pix, out.Stride, dw, dh, m.Pix, func(x, y int) int {
			sx, sy := src(x, y)
			return m.PixOffset(b.Min.X+sx, b.Min.Y+sy)
		})
		return out
	case *image.YCbCr:
		out := image.NewNRGBA(r)
		for y := 0; y < dh; y++ {
			row := out.Pix[y*out.Stride:]
			for x := 0; x < dw; x++ {
				sx, sy := src(x, y)
				ax, ay := b.Min.X+sx, b.Min.Y+sy
				yi, ci := m.YOffset(ax, ay), m.COffset(ax, ay)
				cr, cg, cb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = cr, cg, cb, 0xff
			}
		}
		return out
	}
	out := image.NewNRGBA(r)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := src(x, y)
			out.SetNRGBA(x, y, color.NRGBAModel.Convert(img.At(b.Min.X+sx, b.Min.Y+sy)).(color.NRGBA))
		}
	}
	return out
}

func copy4(dst []byte, stride, dw, dh int, srcPix []byte, off func(x, y int) int) {
	for y := 0; y < dh; y++ {
		row := dst[y*stride:]
		for x := 0; x < dw; x++ {
			o := off(x, y)
			copy(row[4*x:4*x+4], srcPix[o:o+4])
		}
	}
}
