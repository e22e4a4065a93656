package profile

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// histogram holds the durations of one group for its percentiles, in memory
// that does not grow with the number of calls. The first exactSamples
// values are kept as they are (small groups get exact percentiles); past
// that, values go to log-linear buckets: each power of two is cut into
// histSub equal buckets, so a bucket is at most 1/128 of its lower bound
// wide and its midpoint is within 0.4% of any value in it (values below
// 256 ns are exact). Only the powers of two that occur get buckets.
type histogram struct {
	n, sum, min, max int64

	small    []int64 // the values, while n <= exactSamples
	bucketed bool
	chunks   [histChunks]*[histSub]int64
}

const (
	exactSamples = 64
	histSubBits  = 7
	histSub      = 1 << histSubBits
	// histChunks: chunk 0 holds 0..127 exactly; chunk c >= 1 the values of
	// bit length histSubBits+c, up to 63 bits (int64).
	histChunks = 64 - histSubBits
)

// add records one duration; negative ones count as 0.
func (h *histogram) add(v int64) {
	if v < 0 {
		v = 0
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += v
	h.place(v, 1)
}

// place stores v k times without touching the totals.
func (h *histogram) place(v, k int64) {
	if !h.bucketed {
		if int64(len(h.small))+k <= exactSamples {
			for range k {
				h.small = append(h.small, v)
			}
			return
		}
		h.toBuckets()
	}
	c, i := bucketOf(v)
	ch := h.chunks[c]
	if ch == nil {
		ch = new([histSub]int64)
		h.chunks[c] = ch
	}
	ch[i] += k
}

func (h *histogram) toBuckets() {
	h.bucketed = true
	for _, v := range h.small {
		h.place(v, 1)
	}
	h.small = nil
}

// merge adds the values of o.
func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
	if !o.bucketed {
		for _, v := range o.small {
			h.place(v, 1)
		}
		return
	}
	if !h.bucketed {
		h.toBuckets()
	}
	for c, och := range o.chunks {
		if och == nil {
			continue
		}
		if h.chunks[c] == nil {
			h.chunks[c] = new([histSub]int64)
		}
		for i, k := range och {
			h.chunks[c][i] += k
		}
	}
}

// bucketOf returns the chunk and index of v's bucket.
func bucketOf(v int64) (chunk, index int) {
	l := bits.Len64(uint64(v))
	if l <= histSubBits {
		return 0, int(v)
	}
	shift := l - histSubBits - 1
	return l - histSubBits, int(v>>shift) - histSub
}

// bucketMid is the value a bucket stands for: the middle of its range.
func bucketMid(chunk, index int) int64 {
	if chunk == 0 {
		return int64(index)
	}
	shift := chunk - 1
	lo := int64(histSub+index) << shift
	return lo + (int64(1)<<shift)/2
}

// quantiles returns the nearest-rank percentiles pcts (each in 1..100,
// ascending) of the values: the smallest value with at least pct% of the
// values at or below it.
func (h *histogram) quantiles(pcts ...int64) []int64 {
	out := make([]int64, len(pcts))
	if h.n == 0 {
		return out
	}
	ranks := make([]int64, len(pcts))
	for i, p := range pcts {
		ranks[i] = max((h.n*p+99)/100, 1)
	}
	if !h.bucketed {
		sorted := slices.Clone(h.small)
		slices.Sort(sorted)
		for i, r := range ranks {
			out[i] = sorted[r-1]
		}
		return out
	}
	next, seen := 0, int64(0)
	for c, ch := range h.chunks {
		if ch == nil {
			continue
		}
		for i, k := range ch {
			seen += k
			for next < len(ranks) && seen >= ranks[next] {
				out[next] = min(max(bucketMid(c, i), h.min), h.max)
				next++
			}
			if next == len(ranks) {
				return out
			}
		}
	}
	return out
}

// bucketLow is the least value of a bucket, the value that stands for it
// in a written histogram.
func bucketLow(chunk, index int) int64 {
	if chunk == 0 {
		return int64(index)
	}
	return int64(histSub+index) << (chunk - 1)
}

// pairs returns the histogram as written in a row (Row.Histogram): the
// values with their counts while they are kept as they are, else each
// bucket's lower bound with its count; ascending.
func (h *histogram) pairs() [][2]int64 {
	var out [][2]int64
	if !h.bucketed {
		sorted := slices.Clone(h.small)
		slices.Sort(sorted)
		for _, v := range sorted {
			if len(out) > 0 && out[len(out)-1][0] == v {
				out[len(out)-1][1]++
				continue
			}
			out = append(out, [2]int64{v, 1})
		}
		return out
	}
	for c, ch := range h.chunks {
		if ch == nil {
			continue
		}
		for i, k := range ch {
			if k > 0 {
				out = append(out, [2]int64{bucketLow(c, i), k})
			}
		}
	}
	return out
}

// histogramOf rebuilds the histogram a row was written from: its pairs
// (see pairs) and the exact total, min and max of its latency. It says
// what is wrong with pairs that no histogram could have written.
func histogramOf(pairs [][2]int64, lat *Latency) (histogram, error) {
	var h histogram
	if lat.MinNs < 0 || lat.MaxNs < lat.MinNs {
		return h, errors.New("min_ns and max_ns need 0 <= min_ns <= max_ns")
	}
	prev := int64(-1)
	for _, p := range pairs {
		if p[0] <= prev || p[1] <= 0 {
			return h, errors.New(`"histogram_ns" needs ascending values with positive counts`)
		}
		prev = p[0]
		if h.n += p[1]; h.n < 0 {
			return h, errors.New(`"histogram_ns" counts overflow`)
		}
	}
	if h.n == 0 {
		return h, errors.New(`"histogram_ns" is empty`)
	}
	first, last := pairs[0][0], pairs[len(pairs)-1][0]
	if h.n <= exactSamples {
		if first != lat.MinNs || last != lat.MaxNs {
			return h, errors.New(`"histogram_ns" disagrees with min_ns or max_ns`)
		}
		for _, p := range pairs {
			for range p[1] {
				h.small = append(h.small, p[0])
			}
		}
	} else {
		if bucketLow(bucketOf(lat.MinNs)) != first || bucketLow(bucketOf(lat.MaxNs)) != last {
			return h, errors.New(`"histogram_ns" disagrees with min_ns or max_ns`)
		}
		h.bucketed = true
		for _, p := range pairs {
			c, i := bucketOf(p[0])
			if bucketLow(c, i) != p[0] {
				return h, fmt.Errorf(`"histogram_ns": %d is not the lower bound of a bucket`, p[0])
			}
			if h.chunks[c] == nil {
				h.chunks[c] = new([histSub]int64)
			}
			h.chunks[c][i] = p[1]
		}
	}
	h.sum, h.min, h.max = lat.TotalNs, lat.MinNs, lat.MaxNs
	return h, nil
}
