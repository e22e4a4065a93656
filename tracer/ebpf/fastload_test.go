//go:build linux && (amd64 || arm64)

package ebpf

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/stracectl/stracectl/tracer"
)

// preparedSpec is the tp_btf object with default settings and a one-page
// ring buffer.
func preparedSpec(t testing.TB) *ebpf.CollectionSpec {
	t.Helper()
	spec, err := loadTpBtf()
	if err != nil {
		t.Fatal(err)
	}
	opts := tracer.Options{}
	settings, err := newSettings(&opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := settings.apply(spec, ringSize(1)); err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestFastLoadMatchesCilium loads every program both ways: relocated
// against the few kernel types that the fast start copies, and by
// cilium/ebpf against all of them. The kernel must get the same
// instructions (the same tag) and the same tracepoint type.
func TestFastLoadMatchesCilium(t *testing.T) {
	needEBPF(t)
	spec := preparedSpec(t)
	ft := readFastTypes(spec, btfPath)
	if ft.err != nil {
		t.Fatal(ft.err)
	}
	full, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	for name, ps := range spec.Programs {
		t.Run(name, func(t *testing.T) {
			fast, err := loadTracing(ps, full.Maps, ft.core, ft.attach[ps.AttachTo])
			if err != nil {
				t.Fatal(err)
			}
			defer fast.Close()
			fastInfo, err := fast.Info()
			if err != nil {
				t.Fatal(err)
			}
			fullInfo, err := full.Programs[name].Info()
			if err != nil {
				t.Fatal(err)
			}
			if fastInfo.Tag != fullInfo.Tag {
				t.Errorf("tag %s, cilium/ebpf's %s: the relocations differ", fastInfo.Tag, fullInfo.Tag)
			}
			var typedef *btf.Typedef
			if err := kernel.TypeByName("btf_trace_"+ps.AttachTo, &typedef); err != nil {
				t.Fatal(err)
			}
			want, err := kernel.TypeID(typedef)
			if err != nil {
				t.Fatal(err)
			}
			if got := ft.attach[ps.AttachTo]; got != want {
				t.Errorf("btf_trace_%s is type %d, want %d", ps.AttachTo, got, want)
			}
		})
	}
}

// TestFastStart checks that newEBPF takes the fast start here and that
// what it loads traces a command's whole tree.
func TestFastStart(t *testing.T) {
	needEBPF(t)
	var diag bytes.Buffer
	b, err := newEBPF(tracer.Options{Debug: true, Diag: &diag})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diag.String(), "programs attached as tp_btf") || strings.Contains(diag.String(), "without decoding") {
		t.Fatalf("the fast start was not taken:\n%s", diag.String())
	}
	sink := &collector{}
	status, err := b.Run(context.Background(), []string{"sh", "-c", "(sleep 0.1; exit 4) & exit 3"}, sink)
	if err != nil || status != 3 {
		t.Fatalf("status %d, err %v; want 3 from the command", status, err)
	}
	exits := map[int64]bool{}
	for _, ev := range sink.events {
		if ev.Syscall == "exit_group" {
			exits[ev.Tgid] = true
		}
	}
	if len(exits) != 3 {
		t.Errorf("exit_group from %d processes, want 3 (sh, its subshell, sleep)", len(exits))
	}
}

// TestFastStartRefuses: what the fast start cannot do makes loadFast say
// why, and leaves spec as it was, for cilium/ebpf to load.
func TestFastStartRefuses(t *testing.T) {
	needEBPF(t)
	for _, c := range []struct {
		name    string
		vmlinux string
		change  func(*ebpf.CollectionSpec)
		want    string
	}{
		{"kernel types unreadable", "/nonexistent/vmlinux", func(*ebpf.CollectionSpec) {}, "/nonexistent/vmlinux"},
		{".kconfig values", btfPath, func(spec *ebpf.CollectionSpec) {
			spec.Maps[kconfigMap] = &ebpf.MapSpec{Name: kconfigMap, Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}
		}, ".kconfig"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := preparedSpec(t)
			c.change(spec)
			ring, err := ebpf.NewMap(spec.Maps[tpBtfMapEvents])
			if err != nil {
				t.Fatal(err)
			}
			defer ring.Close()
			kernel := make(chan fastTypes, 1)
			kernel <- readFastTypes(spec, c.vmlinux)
			if _, err := loadFast(spec, flavours[0], tracer.Options{}, ring, kernel); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("loadFast: %v, want an error saying %q", err, c.want)
			}
			delete(spec.Maps, kconfigMap)
			b, err := load(spec, flavours[0], tracer.Options{}, &ebpf.CollectionOptions{MapReplacements: map[string]*ebpf.Map{tpBtfMapEvents: ring}})
			if err != nil {
				t.Fatalf("cilium/ebpf cannot load the spec after the fast start: %v", err)
			}
			b.close()
		})
	}
}

// TestProgLoadAttrLayout holds progLoadAttr to the kernel's union bpf_attr.
func TestProgLoadAttrLayout(t *testing.T) {
	var a progLoadAttr
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"insns", unsafe.Offsetof(a.insns), 8},
		{"license", unsafe.Offsetof(a.license), 16},
		{"log_buf", unsafe.Offsetof(a.logBuf), 32},
		{"kern_version", unsafe.Offsetof(a.kernVersion), 40},
		{"prog_name", unsafe.Offsetof(a.progName), 48},
		{"expected_attach_type", unsafe.Offsetof(a.expectedAttachType), 68},
		{"prog_btf_fd", unsafe.Offsetof(a.progBTFFd), 72},
		{"func_info", unsafe.Offsetof(a.funcInfo), 80},
		{"line_info", unsafe.Offsetof(a.lineInfo), 96},
		{"attach_btf_id", unsafe.Offsetof(a.attachBTFID), 108},
		{"attach_btf_obj_fd", unsafe.Offsetof(a.attachBTFObjFd), 112},
	} {
		if f.got != f.want {
			t.Errorf("%s at offset %d, the kernel has it at %d", f.name, f.got, f.want)
		}
	}
}

// BenchmarkNewEBPF measures the start of the eBPF backend: the programs
// loaded and attached.
func BenchmarkNewEBPF(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("loading the programs needs root")
	}
	for b.Loop() {
		be, err := newEBPF(tracer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		be.(*ebpfBackend).close()
	}
}

// BenchmarkReadFastTypes measures the reading of the kernel types the
// fast start needs.
func BenchmarkReadFastTypes(b *testing.B) {
	spec := preparedSpec(b)
	for b.Loop() {
		if ft := readFastTypes(spec, btfPath); ft.err != nil {
			b.Fatal(ft.err)
		}
	}
}
