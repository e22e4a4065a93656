//go:build linux && (amd64 || arm64)

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// The header of each ring buffer record (struct bpf_ringbuf_hdr): the
// length with two flag bits, and the page offset, 8 bytes in all.
const (
	ringHeaderSize = 8
	ringBusyBit    = 1 << 31 // reserved, not yet submitted
	ringDiscardBit = 1 << 30 // discarded by the program: skip it
)

// ringMap is the ring buffer map, mapped into our memory so that records
// are decoded where the kernel wrote them: no copy per record, and the
// consumer position, which the producing CPUs read on every record, is
// written once per batch rather than once per record.
type ringMap struct {
	cons, prod []byte   // the consumer page; the producer page and the data, mapped twice
	consPos    *uintptr // read and written by us
	prodPos    *uintptr // written by the kernel
	data       []byte   // 2×size: a record that wraps around the end is whole
	mask       uintptr

	epfd, wakeFd int // epoll on the map, and an eventfd to end a wait early
	events       []unix.EpollEvent
}

// openRingMap maps the ring buffer m for reading.
func openRingMap(m *ebpf.Map) (*ringMap, error) {
	size := int(m.MaxEntries())
	if size == 0 || size&(size-1) != 0 {
		return nil, fmt.Errorf("ring buffer size %d is not a power of two", size)
	}
	page := os.Getpagesize()
	r := &ringMap{epfd: -1, wakeFd: -1, mask: uintptr(size - 1), events: make([]unix.EpollEvent, 2)}
	var err error
	if r.cons, err = unix.Mmap(m.FD(), 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return nil, fmt.Errorf("mapping the ring buffer's consumer page: %w", err)
	}
	if r.prod, err = unix.Mmap(m.FD(), int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED); err != nil {
		r.close()
		return nil, fmt.Errorf("mapping the ring buffer's data: %w", err)
	}
	r.consPos = (*uintptr)(unsafe.Pointer(&r.cons[0]))
	r.prodPos = (*uintptr)(unsafe.Pointer(&r.prod[0]))
	r.data = r.prod[page:]
	if r.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		r.close()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if r.wakeFd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		r.close()
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	for _, fd := range []int{m.FD(), r.wakeFd} {
		if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			r.close()
			return nil, fmt.Errorf("epoll: %w", err)
		}
	}
	return r, nil
}

// close unmaps the ring and closes its descriptors.
func (r *ringMap) close() {
	for _, m := range [][]byte{r.cons, r.prod} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	r.cons, r.prod, r.data = nil, nil, nil
	for _, fd := range []int{r.epfd, r.wakeFd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	r.epfd, r.wakeFd = -1, -1
}

// available is how many bytes of records are queued.
func (r *ringMap) available() int {
	return int(atomic.LoadUintptr(r.prodPos) - atomic.LoadUintptr(r.consPos))
}

// wait returns when records are queued and the kernel woke us, when wake
// was called, or after at most timeout (the kernel wakes us only when
// much is queued).
func (r *ringMap) wait(timeout time.Duration) error {
	for {
		n, err := unix.EpollWait(r.epfd, r.events, int(timeout.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("waiting for the ring buffer: %w", err)
		}
		for _, ev := range r.events[:n] {
			if int(ev.Fd) == r.wakeFd {
				var b [8]byte
				unix.Read(r.wakeFd, b[:])
			}
		}
		return nil
	}
}

// wake ends a wait at once (or the next one).
func (r *ringMap) wake() {
	one := [8]byte{1}
	unix.Write(r.wakeFd, one[:])
}

// read calls use for each record queued, in order, until it returns false
// or none is left, then hands the records read back to the kernel at
// once. A record still being written stops the reading there.
func (r *ringMap) read(use func(raw []byte) bool) {
	cons := atomic.LoadUintptr(r.consPos)
	prod := atomic.LoadUintptr(r.prodPos)
	for cons < prod {
		at := cons & r.mask
		// The length is read atomically: it is the kernel's commit.
		n := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[at])))
		if n&ringBusyBit != 0 {
			break
		}
		size := uintptr(n &^ (ringBusyBit | ringDiscardBit))
		next := cons + ringHeaderSize + (size+7)&^7
		if n&ringDiscardBit == 0 {
			start := at + ringHeaderSize
			if !use(r.data[start : start+size : start+size]) {
				cons = next
				break
			}
		}
		cons = next
	}
	atomic.StoreUintptr(r.consPos, cons)
}
