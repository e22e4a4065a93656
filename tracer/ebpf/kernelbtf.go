//go:build linux && (amd64 || arm64)

package ebpf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

// The kernel's types, read raw.
//
// Before cilium/ebpf loads a tp_btf program it decodes the whole of
// /sys/kernel/btf/vmlinux (some 100,000 types) to find the id of the
// tracepoint's type, and its CO-RE relocations then inflate task_struct and
// everything it reaches: 15-18 ms of CPU, most of stracectl's start. The
// programs need six ids and a few hundred types. kernelTypes finds them in
// one pass over the raw type section and copies just those types, so that
// the programs can be relocated and loaded without the rest (loadFast).

// Kinds of BTF types (include/uapi/linux/btf.h).
const (
	kindInt       = 1
	kindPtr       = 2
	kindArray     = 3
	kindStruct    = 4
	kindUnion     = 5
	kindEnum      = 6
	kindFwd       = 7
	kindTypedef   = 8
	kindVolatile  = 9
	kindConst     = 10
	kindRestrict  = 11
	kindFunc      = 12
	kindFuncProto = 13
	kindVar       = 14
	kindDatasec   = 15
	kindFloat     = 16
	kindDeclTag   = 17
	kindTypeTag   = 18
	kindEnum64    = 19
)

// btfMagic opens a BTF blob in the machine's byte order.
const btfMagic = 0xeb9f

// kernelTypes is a raw BTF blob, indexed by type id, with the ids of the
// named types that were asked for.
type kernelTypes struct {
	types   []byte   // the type section
	strings []byte   // the string section
	offsets []uint32 // where each type's record starts in types; index 0 is void
	named   map[string][]btf.TypeID
}

// readKernelTypes reads the BTF blob at path and finds the types whose
// names are in names (structs, unions, enums, typedefs and forward
// declarations; a name may have several). The blob is mapped rather than
// read where the kernel allows it (reading /sys/kernel/btf/vmlinux goes a
// page per system call); release unmaps it, after which k must not be
// used.
func readKernelTypes(path string, names map[string]bool) (k *kernelTypes, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	release = func() {}
	var raw []byte
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		raw, err = unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
		if err == nil {
			release = func() { unix.Munmap(raw) }
		}
	}
	if raw == nil {
		if raw, err = io.ReadAll(f); err != nil {
			return nil, nil, err
		}
	}
	if k, err = parseKernelTypes(raw, names); err != nil {
		release()
		return nil, nil, err
	}
	return k, release, nil
}

// parseKernelTypes indexes raw, a BTF blob in the machine's byte order.
func parseKernelTypes(raw []byte, names map[string]bool) (*kernelTypes, error) {
	const headerSize = 24
	if len(raw) < headerSize {
		return nil, errors.New("BTF shorter than its header")
	}
	le := binary.NativeEndian
	if le.Uint16(raw) != btfMagic {
		return nil, fmt.Errorf("not BTF in this machine's byte order (magic %#x)", le.Uint16(raw))
	}
	hdrLen := le.Uint32(raw[4:])
	typeOff, typeLen := le.Uint32(raw[8:]), le.Uint32(raw[12:])
	strOff, strLen := le.Uint32(raw[16:]), le.Uint32(raw[20:])
	section := func(off, n uint32) ([]byte, error) {
		start, end := uint64(hdrLen)+uint64(off), uint64(hdrLen)+uint64(off)+uint64(n)
		if hdrLen < headerSize || end > uint64(len(raw)) {
			return nil, errors.New("BTF section out of bounds")
		}
		return raw[start:end], nil
	}
	k := &kernelTypes{named: make(map[string][]btf.TypeID)}
	var err error
	if k.types, err = section(typeOff, typeLen); err != nil {
		return nil, err
	}
	if k.strings, err = section(strOff, strLen); err != nil {
		return nil, err
	}
	k.offsets = make([]uint32, 1, len(k.types)/32)
	types := k.types
	for off := 0; off < len(types); {
		if len(types)-off < 12 {
			return nil, fmt.Errorf("type %d: truncated", len(k.offsets))
		}
		nameOff, info := le.Uint32(types[off:]), le.Uint32(types[off+4:])
		kind, vlen := int(info>>24&0x1f), int(info&0xffff)
		var extra int
		switch kind {
		case kindInt, kindVar, kindDeclTag:
			extra = 4
		case kindArray:
			extra = 12
		case kindStruct, kindUnion, kindDatasec, kindEnum64:
			extra = 12 * vlen
		case kindEnum, kindFuncProto:
			extra = 8 * vlen
		case kindPtr, kindFwd, kindTypedef, kindVolatile, kindConst, kindRestrict, kindFunc, kindFloat, kindTypeTag:
		default:
			return nil, fmt.Errorf("type %d: unknown kind %d", len(k.offsets), kind)
		}
		switch kind {
		case kindStruct, kindUnion, kindEnum, kindEnum64, kindTypedef, kindFwd:
			if name := k.nameBytes(nameOff); len(name) > 0 && names[string(name)] {
				k.named[string(name)] = append(k.named[string(name)], btf.TypeID(len(k.offsets)))
			}
		}
		k.offsets = append(k.offsets, uint32(off))
		off += 12 + extra
		if off > len(types) {
			return nil, fmt.Errorf("type %d: truncated", len(k.offsets)-1)
		}
	}
	return k, nil
}

// name is the string at off in the string section ("" when off is out of
// bounds).
func (k *kernelTypes) name(off uint32) string { return string(k.nameBytes(off)) }

// nameBytes is name without the copy.
func (k *kernelTypes) nameBytes(off uint32) []byte {
	if int(off) >= len(k.strings) {
		return nil
	}
	s := k.strings[off:]
	if end := bytes.IndexByte(s, 0); end >= 0 {
		s = s[:end]
	}
	return s
}

// typedefID is the id of the one typedef called name.
func (k *kernelTypes) typedefID(name string) (btf.TypeID, error) {
	var found []btf.TypeID
	for _, id := range k.named[name] {
		if k.kind(id) == kindTypedef {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("the kernel has %d typedefs named %s, want 1", len(found), name)
	}
	return found[0], nil
}

// kind is the kind of type id.
func (k *kernelTypes) kind(id btf.TypeID) int {
	return int(binary.NativeEndian.Uint32(k.types[k.offsets[id]+4:]) >> 24 & 0x1f)
}

// coreSpec copies the types called roots, as a spec to relocate CO-RE
// programs against in place of the whole kernel's. A relocation walks the
// members of one type and never follows a pointer, so a root keeps all its
// members and everything laid out within it, while a struct or union only
// pointed to (and not itself a root) keeps its name and size but no
// members: what CO-RE compares of it.
func (k *kernelTypes) coreSpec(roots []string) (*btf.Spec, error) {
	c := converter{k: k, roots: make(map[btf.TypeID]bool), full: make(map[btf.TypeID]btf.Type), hollow: make(map[btf.TypeID]btf.Type)}
	var ids []btf.TypeID
	for _, name := range roots {
		for _, id := range k.named[name] {
			c.roots[id] = true
			ids = append(ids, id)
		}
	}
	types := make([]btf.Type, 0, len(ids))
	for _, id := range ids {
		t, err := c.convert(id, false)
		if err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		return nil, err
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		return nil, err
	}
	return btf.LoadSpecFromReader(bytes.NewReader(raw))
}

// converter turns raw kernel types into cilium/ebpf's, each once.
type converter struct {
	k      *kernelTypes
	roots  map[btf.TypeID]bool
	full   map[btf.TypeID]btf.Type // as laid out, or reached through a pointer when a root
	hollow map[btf.TypeID]btf.Type // reached through a pointer: structs and unions without members
}

// convert returns type id; pointee says it was reached through a pointer.
func (c *converter) convert(id btf.TypeID, pointee bool) (btf.Type, error) {
	if id == 0 {
		return &btf.Void{}, nil
	}
	if int(id) >= len(c.k.offsets) {
		return nil, fmt.Errorf("type id %d out of range", id)
	}
	memo := c.full
	if pointee && !c.roots[id] {
		memo = c.hollow
	} else {
		pointee = false
	}
	if t, ok := memo[id]; ok {
		return t, nil
	}
	le := binary.NativeEndian
	rec := c.k.types[c.k.offsets[id]:]
	name := c.k.name(le.Uint32(rec))
	info := le.Uint32(rec[4:])
	kind, vlen, kindFlag := int(info>>24&0x1f), int(info&0xffff), info>>31 == 1
	sizeOrType := le.Uint32(rec[8:])
	extra := rec[12:]
	// set records t before its parts are converted, so that a cycle
	// through pointers ends.
	set := func(t btf.Type) btf.Type { memo[id] = t; return t }
	var err error
	switch kind {
	case kindInt:
		enc := le.Uint32(extra)
		if bits, off := enc&0xff, enc>>16&0xff; off != 0 || bits != sizeOrType*8 {
			return nil, fmt.Errorf("int %s: %d bits at %d in %d bytes: not supported", name, bits, off, sizeOrType)
		}
		return set(&btf.Int{Name: name, Size: sizeOrType, Encoding: btf.IntEncoding(enc >> 24 & 0xf)}), nil
	case kindFloat:
		return set(&btf.Float{Name: name, Size: sizeOrType}), nil
	case kindPtr:
		t := set(&btf.Pointer{}).(*btf.Pointer)
		t.Target, err = c.convert(btf.TypeID(sizeOrType), true)
		return t, err
	case kindArray:
		t := set(&btf.Array{Nelems: le.Uint32(extra[8:])}).(*btf.Array)
		if t.Type, err = c.convert(btf.TypeID(le.Uint32(extra)), pointee); err != nil {
			return nil, err
		}
		t.Index, err = c.convert(btf.TypeID(le.Uint32(extra[4:])), pointee)
		return t, err
	case kindStruct, kindUnion:
		var members *[]btf.Member
		if kind == kindStruct {
			s := &btf.Struct{Name: name, Size: sizeOrType}
			set(s)
			members = &s.Members
		} else {
			u := &btf.Union{Name: name, Size: sizeOrType}
			set(u)
			members = &u.Members
		}
		if pointee {
			return memo[id], nil
		}
		*members = make([]btf.Member, vlen)
		for i := range vlen {
			m := extra[12*i:]
			offset := le.Uint32(m[8:])
			member := btf.Member{Name: c.k.name(le.Uint32(m)), Offset: btf.Bits(offset)}
			if kindFlag {
				member.Offset, member.BitfieldSize = btf.Bits(offset&0xffffff), btf.Bits(offset>>24)
			}
			if member.Type, err = c.convert(btf.TypeID(le.Uint32(m[4:])), false); err != nil {
				return nil, err
			}
			(*members)[i] = member
		}
		return memo[id], nil
	case kindEnum, kindEnum64:
		t := &btf.Enum{Name: name, Size: sizeOrType, Signed: kindFlag, Values: make([]btf.EnumValue, vlen)}
		for i := range vlen {
			if kind == kindEnum {
				v := extra[8*i:]
				value := uint64(le.Uint32(v[4:]))
				if kindFlag {
					value = uint64(int64(int32(value)))
				}
				t.Values[i] = btf.EnumValue{Name: c.k.name(le.Uint32(v)), Value: value}
			} else {
				v := extra[12*i:]
				t.Values[i] = btf.EnumValue{Name: c.k.name(le.Uint32(v)), Value: uint64(le.Uint32(v[8:]))<<32 | uint64(le.Uint32(v[4:]))}
			}
		}
		return set(t), nil
	case kindFwd:
		fk := btf.FwdStruct
		if kindFlag {
			fk = btf.FwdUnion
		}
		return set(&btf.Fwd{Name: name, Kind: fk}), nil
	case kindTypedef:
		t := set(&btf.Typedef{Name: name}).(*btf.Typedef)
		t.Type, err = c.convert(btf.TypeID(sizeOrType), pointee)
		return t, err
	case kindVolatile:
		t := set(&btf.Volatile{}).(*btf.Volatile)
		t.Type, err = c.convert(btf.TypeID(sizeOrType), pointee)
		return t, err
	case kindConst:
		t := set(&btf.Const{}).(*btf.Const)
		t.Type, err = c.convert(btf.TypeID(sizeOrType), pointee)
		return t, err
	case kindRestrict:
		t := set(&btf.Restrict{}).(*btf.Restrict)
		t.Type, err = c.convert(btf.TypeID(sizeOrType), pointee)
		return t, err
	case kindTypeTag:
		t := set(&btf.TypeTag{Value: name}).(*btf.TypeTag)
		t.Type, err = c.convert(btf.TypeID(sizeOrType), pointee)
		return t, err
	case kindFuncProto:
		t := set(&btf.FuncProto{Params: make([]btf.FuncParam, vlen)}).(*btf.FuncProto)
		if t.Return, err = c.convert(btf.TypeID(sizeOrType), true); err != nil {
			return nil, err
		}
		for i := range vlen {
			p := extra[8*i:]
			t.Params[i].Name = c.k.name(le.Uint32(p))
			if t.Params[i].Type, err = c.convert(btf.TypeID(le.Uint32(p[4:])), true); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	return nil, fmt.Errorf("type %d (%s): kind %d cannot be part of a type", id, name, kind)
}

// essentialName is name without a CO-RE flavour suffix ("task_struct___old"
// is relocated against task_struct).
func essentialName(name string) string {
	if i := strings.LastIndex(name, "___"); i > 0 {
		return name[:i]
	}
	return name
}
