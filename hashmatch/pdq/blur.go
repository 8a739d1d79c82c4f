package pdq

// The reference blurs the whole luma plane with two passes of (horizontal box,
// vertical box) and then point-samples a 64x64 grid. mnr computes the same
// float32 values in one streaming sweep over the rows, so that memory stays at
// a few rows instead of two full planes:
//
//	luma row -> horizontal box (pass 1) -> vertical box (pass 1, running column
//	sums over a ring of rows) -> horizontal box (pass 2), kept only at the
//	sampled columns -> vertical box (pass 2) over those columns -> the sampled
//	rows go into the grid.
//
// Every column's running sum sees the same additions, subtractions and
// divisions in the same order as the reference's column-at-a-time loop, so the
// result is bit-identical. Pass 2 is evaluated only where the grid samples it;
// its running sums still run over every pixel.

// boxWindow is the reference's Jarosz window for a 64-cell output: ceil(n/128).
func boxWindow(n int) int { return (n + 127) / 128 }

// sampleIndex is floor((i + 0.5) * n / 64), the grid's cell-centre index.
func sampleIndex(i, n int) int { return (2*i + 1) * n / 128 }

// hbox is the reference's 1-D box filter of window win over in (len n), with a
// float32 running sum and the exact count of inputs inside the clipped window.
func hbox(in, out []float32, win int) {
	n := len(in)
	out = out[:n]
	half := (win + 2) / 2
	var sum float32
	ri := 0
	for ; ri < half-1; ri++ {
		sum += in[ri]
	}
	oi := 0
	for ; ri < win; ri++ {
		sum += in[ri]
		out[oi] = sum / float32(ri+1)
		oi++
	}
	fw := float32(win)
	for ; ri < n; ri++ {
		sum += in[ri]
		sum -= in[ri-win]
		out[oi] = sum / fw
		oi++
	}
	cnt := win
	for li := n - win; oi < n; li++ {
		sum -= in[li]
		cnt--
		out[oi] = sum / float32(cnt)
		oi++
	}
}

// hbox4 is hbox over four rows of equal length at once.
func hbox4(in, out *[batch][]float32, win int) {
	n := len(in[0])
	a0, a1, a2, a3 := in[0][:n], in[1][:n], in[2][:n], in[3][:n]
	o0, o1, o2, o3 := out[0][:n], out[1][:n], out[2][:n], out[3][:n]
	half := (win + 2) / 2
	var s0, s1, s2, s3 float32
	ri := 0
	for ; ri < half-1; ri++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
	}
	oi := 0
	for ; ri < win; ri++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		c := float32(ri + 1)
		o0[oi], o1[oi], o2[oi], o3[oi] = s0/c, s1/c, s2/c, s3/c
		oi++
	}
	fw := float32(win)
	if win&(win-1) == 0 {
		// Dividing by a power of two is multiplying by its exact inverse:
		// the same real number, so the same rounded result, but faster.
		inv := 1 / fw
		for ; ri < n; ri++ {
			li := ri - win
			s0 += a0[ri]
			s1 += a1[ri]
			s2 += a2[ri]
			s3 += a3[ri]
			s0 -= a0[li]
			s1 -= a1[li]
			s2 -= a2[li]
			s3 -= a3[li]
			o0[oi], o1[oi], o2[oi], o3[oi] = s0*inv, s1*inv, s2*inv, s3*inv
			oi++
		}
	}
	for ; ri < n; ri++ {
		li := ri - win
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		o0[oi], o1[oi], o2[oi], o3[oi] = s0/fw, s1/fw, s2/fw, s3/fw
		oi++
	}
	cnt := win
	for li := n - win; oi < n; li++ {
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		cnt--
		c := float32(cnt)
		o0[oi], o1[oi], o2[oi], o3[oi] = s0/c, s1/c, s2/c, s3/c
		oi++
	}
}

// hboxAt4 is hboxAt over four rows of equal length at once.
func hboxAt4(in, dst *[batch][]float32, win int, cols []int) {
	n := len(in[0])
	a0, a1, a2, a3 := in[0][:n], in[1][:n], in[2][:n], in[3][:n]
	d0, d1, d2, d3 := dst[0], dst[1], dst[2], dst[3]
	half := (win + 2) / 2
	var s0, s1, s2, s3 float32
	ri := 0
	for ; ri < half-1; ri++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
	}
	oi, next := 0, 0
	want := cols[0]
	for ; ri < win; ri++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		if oi == want {
			c := float32(ri + 1)
			d0[next], d1[next], d2[next], d3[next] = s0/c, s1/c, s2/c, s3/c
			next++
			want = colAt(cols, next)
		}
		oi++
	}
	fw := float32(win)
	for ; ri < n; ri++ {
		li := ri - win
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		if oi == want {
			d0[next], d1[next], d2[next], d3[next] = s0/fw, s1/fw, s2/fw, s3/fw
			next++
			want = colAt(cols, next)
		}
		oi++
	}
	cnt := win
	for li := n - win; oi < n; li++ {
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		cnt--
		if oi == want {
			c := float32(cnt)
			d0[next], d1[next], d2[next], d3[next] = s0/c, s1/c, s2/c, s3/c
			next++
			want = colAt(cols, next)
		}
		oi++
	}
}

// hboxAt runs hbox over in but writes only the outputs at positions cols[0],
// cols[1], ... (ascending, distinct) into dst. The running sum is unchanged,
// so each written value equals hbox's.
func hboxAt(in []float32, win int, cols []int, dst []float32) {
	n := len(in)
	half := (win + 2) / 2
	var sum float32
	ri := 0
	for ; ri < half-1; ri++ {
		sum += in[ri]
	}
	oi, next := 0, 0
	want := cols[0]
	for ; ri < win; ri++ {
		sum += in[ri]
		if oi == want {
			dst[next] = sum / float32(ri+1)
			next++
			want = colAt(cols, next)
		}
		oi++
	}
	fw := float32(win)
	for ; ri < n; ri++ {
		sum += in[ri]
		sum -= in[ri-win]
		if oi == want {
			dst[next] = sum / fw
			next++
			want = colAt(cols, next)
		}
		oi++
	}
	cnt := win
	for li := n - win; oi < n; li++ {
		sum -= in[li]
		cnt--
		if oi == want {
			dst[next] = sum / float32(cnt)
			next++
			want = colAt(cols, next)
		}
		oi++
	}
}

func colAt(cols []int, i int) int {
	if i < len(cols) {
		return cols[i]
	}
	return -1
}

// batch is how many rows the horizontal passes filter side by side. A running
// sum is a chain of dependent additions; four independent chains keep the
// floating-point unit busy.
const batch = 4

// vbox is the reference's 1-D box filter run down every column of a plane of
// width w and height n, fed one row at a time. It keeps the running column
// sums and a ring of the last win+batch input rows: the subtractions need the
// row win back, and up to batch rows are written ahead of their push.
type vbox struct {
	w, n, win, half int
	ring            []float32
	sum             []float32
	in, out         int // rows received, rows emitted
}

func (v *vbox) reset(w, n, win int, ring, sum []float32) {
	*v = vbox{w: w, n: n, win: win, half: (win + 2) / 2, ring: ring[:(win+batch)*w], sum: sum[:w]}
	clear(v.sum)
}

// ringRows is the ring's height for a window.
func ringRows(win int) int { return win + batch }

// slot returns the buffer input row v.in+j must be written into (j < batch).
func (v *vbox) slot(j int) []float32 { return v.row(v.in + j) }

func (v *vbox) row(i int) []float32 {
	s := (i % (v.win + batch)) * v.w
	return v.ring[s : s+v.w : s+v.w]
}

// push consumes the row written into slot(0); when that completes an
// output row it writes it into dst and returns true.
func (v *vbox) push(dst []float32) bool {
	ri := v.in
	v.in++
	row := v.row(ri)
	sum := v.sum[:len(row)]
	dst = dst[:len(row)]
	switch {
	case ri < v.half-1:
		for c, x := range row {
			sum[c] += x
		}
		return false
	case ri < v.win:
		cnt := float32(ri + 1)
		for c, x := range row {
			s := sum[c] + x
			sum[c] = s
			dst[c] = s / cnt
		}
	default:
		old := v.row(ri - v.win)[:len(row)]
		fw := float32(v.win)
		if v.win&(v.win-1) == 0 { // exact inverse, as in hbox4
			inv := 1 / fw
			for c, x := range row {
				s := sum[c] + x
				s -= old[c]
				sum[c] = s
				dst[c] = s * inv
			}
			break
		}
		for c, x := range row {
			s := sum[c] + x
			s -= old[c]
			sum[c] = s
			dst[c] = s / fw
		}
	}
	v.out++
	return true
}

// tail emits the next of the final half-1 output rows once all n rows were
// pushed; it returns false when every row was emitted.
func (v *vbox) tail(dst []float32) bool {
	if v.out >= v.n {
		return false
	}
	k := v.out - (v.n - v.half + 1) // 0 .. half-2
	old := v.row(v.n - v.win + k)
	sum := v.sum[:len(old)]
	dst = dst[:len(old)]
	cnt := float32(v.win - 1 - k)
	for c, x := range old {
		s := sum[c] - x
		sum[c] = s
		dst[c] = s / cnt
	}
	v.out++
	return true
}
