//go:build linux && (amd64 || arm64)

package ebpf

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/stracectl/stracectl/tracer"
)

// The fast start: the tp_btf programs loaded with only the kernel types they
// need (kernelbtf.go). cilium/ebpf makes the maps and relocates the
// programs; the last step, BPF_PROG_LOAD, is done here, since cilium/ebpf
// takes the id of a tp_btf program's tracepoint type only from its own
// decoding of all the kernel's types. Whatever this path does not handle
// (a kfunc, a .kconfig or .ksyms reference, a relocation that asks for a
// kernel type id or a structural match, one that finds no type) makes it
// fail, and newEBPF falls back to cilium/ebpf's own loading, which decodes
// everything. One difference remains: types are looked for in vmlinux only,
// not in the kernel's modules, so a bpf_core_field_exists on a module's
// type would say no where cilium/ebpf says yes (ebpf.c has none).

// fastTypes is what the fast start needs of the kernel's types, or why it
// could not have it.
type fastTypes struct {
	core   *btf.Spec             // the types CO-RE relocations may reach
	attach map[string]btf.TypeID // the btf_trace_<tracepoint> typedef of each program's tracepoint
	err    error
}

// readFastTypes reads the kernel types that spec's programs need from
// vmlinux, the kernel's BTF.
func readFastTypes(spec *ebpf.CollectionSpec, vmlinux string) fastTypes {
	roots, err := coreRoots(spec.Types)
	if err != nil {
		return fastTypes{err: err}
	}
	names := make(map[string]bool, len(roots)+len(spec.Programs))
	for _, r := range roots {
		names[r] = true
	}
	for _, ps := range spec.Programs {
		names["btf_trace_"+ps.AttachTo] = true
	}
	k, release, err := readKernelTypes(vmlinux, names)
	if err != nil {
		return fastTypes{err: fmt.Errorf("reading %s: %w", vmlinux, err)}
	}
	defer release()
	ft := fastTypes{attach: make(map[string]btf.TypeID, len(spec.Programs))}
	for _, ps := range spec.Programs {
		if ft.attach[ps.AttachTo], err = k.typedefID("btf_trace_" + ps.AttachTo); err != nil {
			return fastTypes{err: err}
		}
	}
	if ft.core, err = k.coreSpec(roots); err != nil {
		return fastTypes{err: fmt.Errorf("copying the kernel types for CO-RE: %w", err)}
	}
	return ft
}

// coreRoots are the names, without flavour suffixes, of the structs,
// unions, enums and typedefs of local, the BTF of our object: the types a
// CO-RE relocation can start from.
func coreRoots(local *btf.Spec) ([]string, error) {
	seen := make(map[string]bool)
	var roots []string
	for t, err := range local.All() {
		if err != nil {
			return nil, err
		}
		switch t.(type) {
		case *btf.Struct, *btf.Union, *btf.Enum, *btf.Typedef:
		default:
			continue
		}
		if name := essentialName(t.TypeName()); name != "" && !seen[name] {
			seen[name] = true
			roots = append(roots, name)
		}
	}
	return roots, nil
}

// loadFast makes the maps of spec (a tp_btf object) with ring as its ring
// buffer, loads its programs side by side once kernel has the types they
// need, and attaches them.
func loadFast(spec *ebpf.CollectionSpec, f flavour, opts tracer.Options, ring *ebpf.Map, kernel <-chan fastTypes) (*ebpfBackend, error) {
	if _, ok := spec.Maps[kconfigMap]; ok {
		return nil, errors.New("the programs read .kconfig values, which cilium/ebpf fills as it loads them")
	}
	maps, err := ebpf.NewCollectionWithOptions(&ebpf.CollectionSpec{
		Maps:      spec.Maps,
		Variables: spec.Variables,
		Types:     spec.Types,
		ByteOrder: spec.ByteOrder,
	}, ebpf.CollectionOptions{MapReplacements: map[string]*ebpf.Map{tpBtfMapEvents: ring}})
	if err != nil {
		return nil, err
	}
	defer maps.Close() // what objs does not take: the data sections
	kt := <-kernel
	if kt.err != nil {
		return nil, kt.err
	}
	type loaded struct {
		name string
		prog *ebpf.Program
		err  error
	}
	done := make(chan loaded, len(spec.Programs))
	for name, ps := range spec.Programs {
		go func() {
			p, err := loadTracing(ps, maps.Maps, kt.core, kt.attach[ps.AttachTo])
			done <- loaded{name, p, err}
		}()
	}
	all := &ebpf.Collection{Programs: make(map[string]*ebpf.Program, len(spec.Programs)), Maps: maps.Maps, Variables: maps.Variables}
	var errs []error
	for range spec.Programs {
		l := <-done
		if l.err != nil {
			errs = append(errs, fmt.Errorf("program %s: %w", l.name, l.err))
			continue
		}
		all.Programs[l.name] = l.prog
	}
	defer func() {
		for _, p := range all.Programs {
			p.Close() // those objs did not take
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var objs objects
	if err := all.Assign(&objs); err != nil {
		return nil, err
	}
	return attach(&objs, f, opts)
}

// kconfigMap is the map cilium/ebpf makes of an object's __kconfig externs.
const kconfigMap = ".kconfig"

// Of the kernel's BPF ABI (include/uapi/linux/bpf.h).
const (
	bpfProgLoad         = 5  // BPF_PROG_LOAD
	bpfProgTypeTracing  = 26 // BPF_PROG_TYPE_TRACING
	bpfTraceRawTp       = 23 // BPF_TRACE_RAW_TP
	bpfObjNameLen       = 16 // BPF_OBJ_NAME_LEN
	progLoadEAGAINTries = 5
)

// progLoadAttr is the kernel's union bpf_attr as BPF_PROG_LOAD reads it,
// up to attach_btf_obj_fd; the kernel takes the fields after it as zero.
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              unsafe.Pointer
	license            unsafe.Pointer
	logLevel           uint32
	logSize            uint32
	logBuf             unsafe.Pointer
	kernVersion        uint32
	progFlags          uint32
	progName           [bpfObjNameLen]byte
	progIfindex        uint32
	expectedAttachType uint32
	progBTFFd          uint32
	funcInfoRecSize    uint32
	funcInfo           unsafe.Pointer
	funcInfoCnt        uint32
	lineInfoRecSize    uint32
	lineInfo           unsafe.Pointer
	lineInfoCnt        uint32
	attachBTFID        uint32
	attachBTFObjFd     uint32
}

// loadTracing loads ps, a tp_btf program, with its map references pointing
// at maps, relocated against kernel, for the tracepoint whose type is
// attachID.
func loadTracing(ps *ebpf.ProgramSpec, maps map[string]*ebpf.Map, kernel *btf.Spec, attachID btf.TypeID) (*ebpf.Program, error) {
	if ps.Type != ebpf.Tracing || ps.AttachType != ebpf.AttachTraceRawTp {
		return nil, fmt.Errorf("a %s program attached as %s is not tp_btf", ps.Type, ps.AttachType)
	}
	insns := ps.Copy().Instructions
	var relos []*btf.CORERelocation
	var reloInsns []*asm.Instruction
	for i := range insns {
		ins := &insns[i]
		if ins.IsKfuncCall() {
			return nil, fmt.Errorf("instruction %d calls a kfunc", i)
		}
		if ref := ins.Reference(); ins.IsLoadFromMap() && ref != "" && int32(ins.Constant) <= 0 {
			m := maps[ref]
			if m == nil {
				return nil, fmt.Errorf("instruction %d refers to %s, which is not a map", i, ref)
			}
			if err := ins.AssociateMap(m); err != nil {
				return nil, err
			}
		}
		if r := btf.CORERelocationMetadata(ins); r != nil {
			// The copied types have ids and shapes of their own.
			if s := r.String(); strings.Contains(s, "target_type_id") || strings.Contains(s, "type_matches") {
				return nil, fmt.Errorf("instruction %d: %s needs all the kernel's types", i, s)
			}
			relos = append(relos, r)
			reloInsns = append(reloInsns, ins)
		}
	}
	var b btf.Builder
	if len(relos) > 0 {
		fixups, err := btf.CORERelocate(relos, []*btf.Spec{kernel}, ps.ByteOrder, b.Add)
		if err != nil {
			return nil, fmt.Errorf("CO-RE: %w", err)
		}
		for i, fix := range fixups {
			if err := fix.Apply(reloInsns[i]); err != nil {
				return nil, fmt.Errorf("CO-RE: %w", err)
			}
			if reloInsns[i].Constant == btf.COREBadRelocationSentinel {
				return nil, fmt.Errorf("CO-RE: %s found no kernel type", relos[i])
			}
		}
	}
	funcInfo, lineInfo, err := btf.MarshalExtInfos(insns, &b)
	if err != nil {
		return nil, err
	}
	attr := progLoadAttr{
		progType:           bpfProgTypeTracing,
		kernVersion:        ps.KernelVersion,
		progFlags:          ps.Flags,
		expectedAttachType: bpfTraceRawTp,
		attachBTFID:        uint32(attachID),
	}
	if !b.Empty() {
		h, err := btf.NewHandle(&b)
		if err != nil {
			return nil, fmt.Errorf("loading the program's BTF: %w", err)
		}
		defer h.Close()
		attr.progBTFFd = uint32(h.FD())
		attr.funcInfoRecSize, attr.funcInfoCnt = btf.FuncInfoSize, uint32(len(funcInfo))/btf.FuncInfoSize
		attr.lineInfoRecSize, attr.lineInfoCnt = btf.LineInfoSize, uint32(len(lineInfo))/btf.LineInfoSize
		attr.funcInfo, attr.lineInfo = bytesPointer(funcInfo), bytesPointer(lineInfo)
	}
	var code bytes.Buffer
	if err := insns.Marshal(&code, ps.ByteOrder); err != nil {
		return nil, err
	}
	attr.insns, attr.insnCnt = bytesPointer(code.Bytes()), uint32(code.Len()/asm.InstructionSize)
	license := append([]byte(ps.License), 0)
	attr.license = bytesPointer(license)
	copy(attr.progName[:bpfObjNameLen-1], ps.Name)
	fd, err := progLoad(&attr)
	runtime.KeepAlive(funcInfo)
	runtime.KeepAlive(lineInfo)
	runtime.KeepAlive(code.Bytes())
	runtime.KeepAlive(license)
	if err != nil {
		return nil, fmt.Errorf("BPF_PROG_LOAD: %w", err)
	}
	return ebpf.NewProgramFromFD(fd)
}

// progLoad runs BPF_PROG_LOAD, again when a signal interrupted the
// verifier.
func progLoad(attr *progLoadAttr) (int, error) {
	for try := 1; ; try++ {
		fd, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgLoad, uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
		if errno == 0 {
			return int(fd), nil
		}
		if errno != unix.EAGAIN || try == progLoadEAGAINTries {
			return -1, errno
		}
	}
}

// bytesPointer is where b starts, nil when it is empty.
func bytesPointer(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
