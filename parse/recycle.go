package parse

// Recycling (Options.Recycle). Events point into the parser's storage: the
// input blocks their lines were read into, and the arenas of the strings
// and Args slices it made. Without recycling, each is left to the garbage
// collector once full, so that reading allocates about twice the input's
// size, and a consumer that keeps nothing pays for that in collections.
//
// With Options.Recycle the caller promises to give back, as ReadBatch's
// dst, only the storage of batches it is done with, in the order it got
// them (emit.Stream does: it writes batches in order and returns each one's
// slice once written). The storage of a batch coming back then tells that
// every batch up to it is consumed, and the blocks and arenas the parser
// had stopped filling before the next batch began are used again.

// recycleKeep bounds each free list: enough for the batches a Stream holds
// in flight, few enough that an idle parser holds little.
const recycleKeep = 8

// maxWaiting and maxLent bound what a caller that never gives storage back
// costs: past them, the oldest is forgotten (left to the collector).
const (
	maxWaiting = 64
	maxLent    = 16
)

// recycler tracks the storage the parser stopped filling until the
// batches that may point into it are consumed, and keeps it for reuse.
type recycler struct {
	returned uint64 // batches ReadBatch returned
	consumed uint64 // the last batch the caller is done with
	lent     []lent
	waiting  []retired // oldest first
	// pinned: events are held back (see tasks) and may go out in a later
	// batch than the one being filled: storage retired meanwhile is not
	// reused.
	pinned bool

	blocks [][]byte   // free input blocks of blockSize
	arenas [][]byte   // free string arenas of arenaSize
	args   [][]string // free Args arenas of argsArena strings
}

// lent is the storage of a batch ReadBatch returned: its first element.
type lent struct {
	first *Event
	batch uint64
}

// retired is storage the parser stopped filling while batch was being
// filled, or before it: free once batch is consumed. One of its fields
// is set.
type retired struct {
	batch uint64
	block []byte
	arena []byte
	args  []string
}

// given notes that the caller gave back dst's storage: if a batch ReadBatch
// returned used it, that batch and all before it are consumed, and the
// storage retired up to it is free.
func (r *recycler) given(dst []Event) {
	if cap(dst) == 0 {
		return
	}
	first := &dst[:1][0]
	for _, l := range r.lent {
		if l.first == first {
			r.consumed = max(r.consumed, l.batch)
		}
	}
	kept := r.lent[:0]
	for _, l := range r.lent {
		if l.batch > r.consumed {
			kept = append(kept, l)
		}
	}
	clear(r.lent[len(kept):])
	r.lent = kept
	n := 0
	for n < len(r.waiting) && r.waiting[n].batch <= r.consumed {
		r.free(r.waiting[n])
		n++
	}
	r.waiting = r.waiting[:copy(r.waiting, r.waiting[n:])]
	clear(r.waiting[len(r.waiting) : len(r.waiting)+n])
}

// lend notes that ReadBatch returns the batch in dst.
func (r *recycler) lend(dst []Event) {
	r.returned++
	if len(r.lent) == maxLent {
		r.lent = r.lent[:copy(r.lent, r.lent[1:])]
	}
	r.lent = append(r.lent, lent{first: &dst[:1][0], batch: r.returned})
}

// retire takes storage the parser stopped filling: the batch being filled
// now (returned+1) may still point into it, but none after it.
func (r *recycler) retire(s retired) {
	if r.pinned {
		return
	}
	if len(r.waiting) == maxWaiting {
		r.waiting = r.waiting[:copy(r.waiting, r.waiting[1:])]
	}
	s.batch = r.returned + 1
	r.waiting = append(r.waiting, s)
}

// pin notes that events are being held back: what was retired while the
// current batch was filled may be pointed into by them, so it is never
// reused, nor what is retired until unpin.
func (r *recycler) pin() {
	r.pinned = true
	n := len(r.waiting)
	for n > 0 && r.waiting[n-1].batch > r.returned {
		n--
	}
	clear(r.waiting[n:])
	r.waiting = r.waiting[:n]
}

// unpin notes that no event is held back any more.
func (r *recycler) unpin() { r.pinned = false }

// free keeps s for reuse, when its list has room.
func (r *recycler) free(s retired) {
	switch {
	case s.block != nil && len(r.blocks) < recycleKeep:
		r.blocks = append(r.blocks, s.block[:0])
	case s.arena != nil && len(r.arenas) < recycleKeep:
		r.arenas = append(r.arenas, s.arena[:0])
	case s.args != nil && len(r.args) < recycleKeep:
		clear(s.args[:cap(s.args)]) // let go of what its strings pointed to
		r.args = append(r.args, s.args[:0])
	}
}

// block returns a free input block (length 0, capacity blockSize), or nil.
func (r *recycler) block() []byte {
	if r == nil {
		return nil
	}
	return pop(&r.blocks)
}

// pop takes the last of the free slices in list, or nil when there is none.
func pop[T any](list *[][]T) []T {
	l := *list
	if len(l) == 0 {
		return nil
	}
	s := l[len(l)-1]
	l[len(l)-1] = nil
	*list = l[:len(l)-1]
	return s
}

// retireBlock takes an input block the parser stopped reading into.
func (r *recycler) retireBlock(b []byte) {
	if r != nil && cap(b) == blockSize {
		r.retire(retired{block: b})
	}
}

// newArena returns an empty string arena to replace old, which it
// retires: at least n bytes, of the size arenaNext gives.
func (lp *lineParser) newArena(n int) []byte {
	size := max(n, arenaNext(cap(lp.arena), firstArenaSize, arenaSize))
	r := lp.recycle
	if r == nil {
		return make([]byte, 0, size)
	}
	if cap(lp.arena) == arenaSize {
		r.retire(retired{arena: lp.arena})
	}
	if size == arenaSize {
		if a := pop(&r.arenas); a != nil {
			return a
		}
	}
	return make([]byte, 0, size)
}

// newArgs returns an empty Args arena to replace lp.args, which it
// retires: room for at least n strings, of the size arenaNext gives.
func (lp *lineParser) newArgs(n int) []string {
	size := max(n, arenaNext(cap(lp.args), firstArgsArena, argsArena))
	r := lp.recycle
	if r == nil {
		return make([]string, 0, size)
	}
	if cap(lp.args) == argsArena {
		r.retire(retired{args: lp.args})
	}
	if size == argsArena {
		if a := pop(&r.args); a != nil {
			return a
		}
	}
	return make([]string, 0, size)
}
