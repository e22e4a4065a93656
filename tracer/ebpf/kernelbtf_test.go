//go:build linux && (amd64 || arm64)

package ebpf

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// syntheticBTF is a small BTF blob with a type of each kind a copied type
// can reach. root is reached by name; other only through pointers.
func syntheticBTF(t *testing.T) []byte {
	t.Helper()
	i32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	u32 := &btf.Int{Name: "unsigned int", Size: 4}
	u64 := &btf.Int{Name: "unsigned long", Size: 8}
	other := &btf.Struct{Name: "other", Size: 64, Members: []btf.Member{{Name: "x", Type: i32}}}
	inner := &btf.Struct{Name: "inner", Size: 8, Members: []btf.Member{
		{Name: "a", Type: i32},
		{Name: "flags", Type: u32, Offset: 32, BitfieldSize: 3},
		{Name: "more", Type: u32, Offset: 35, BitfieldSize: 5},
	}}
	mode := &btf.Enum{Name: "mode", Size: 4, Signed: true, Values: []btf.EnumValue{{Name: "LOW", Value: ^uint64(0)}, {Name: "HIGH", Value: 7}}}
	big := &btf.Enum{Name: "big", Size: 8, Values: []btf.EnumValue{{Name: "HUGE", Value: 1 << 40}}}
	u := &btf.Union{Name: "u", Size: 8, Members: []btf.Member{{Name: "i", Type: i32}, {Name: "l", Type: u64}}}
	root := &btf.Struct{Name: "root", Size: 64}
	root.Members = []btf.Member{
		{Name: "in", Type: inner},
		{Name: "p", Type: &btf.Pointer{Target: other}, Offset: 64},
		{Name: "self", Type: &btf.Pointer{Target: &btf.Const{Type: root}}, Offset: 128},
		{Name: "arr", Type: &btf.Array{Index: u32, Type: &btf.Volatile{Type: u64}, Nelems: 2}, Offset: 192},
		{Name: "m", Type: mode, Offset: 320},
		{Name: "fn", Type: &btf.Pointer{Target: &btf.FuncProto{Return: i32, Params: []btf.FuncParam{{Name: "o", Type: &btf.Pointer{Target: other}}}}}, Offset: 384},
		{Name: "un", Type: u, Offset: 448},
	}
	types := []btf.Type{
		root, &btf.Typedef{Name: "root_t", Type: root}, big, &btf.Fwd{Name: "opaque"},
		&btf.Typedef{Name: "btf_trace_event", Type: &btf.Pointer{Target: &btf.FuncProto{Return: &btf.Void{}}}},
		&btf.Float{Name: "double", Size: 8},
	}
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestKernelTypesCopy copies types out of a raw blob: roots in full, what
// they lay out in full, what they only point to hollow.
func TestKernelTypesCopy(t *testing.T) {
	roots := []string{"root", "root_t", "big", "mode", "absent"}
	names := map[string]bool{"btf_trace_event": true}
	for _, r := range roots {
		names[r] = true
	}
	k, err := parseKernelTypes(syntheticBTF(t), names)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := k.typedefID("btf_trace_event"); err != nil || id == 0 {
		t.Errorf("typedefID(btf_trace_event) = %d, %v", id, err)
	}
	if _, err := k.typedefID("root"); err == nil {
		t.Error("typedefID(root), a struct: no error")
	}
	spec, err := k.coreSpec(roots)
	if err != nil {
		t.Fatal(err)
	}
	var root *btf.Struct
	if err := spec.TypeByName("root", &root); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range root.Members {
		got = append(got, fmt.Sprintf("%s@%d", m.Name, m.Offset))
	}
	if want := "in@0 p@64 self@128 arr@192 m@320 fn@384 un@448"; strings.Join(got, " ") != want {
		t.Errorf("root members %s, want %s", strings.Join(got, " "), want)
	}
	inner := root.Members[0].Type.(*btf.Struct)
	if f := inner.Members[2]; f.Name != "more" || f.Offset != 35 || f.BitfieldSize != 5 {
		t.Errorf("bitfield %s at %d, %d bits; want more at 35, 5 bits", f.Name, f.Offset, f.BitfieldSize)
	}
	other := root.Members[1].Type.(*btf.Pointer).Target.(*btf.Struct)
	if other.Name != "other" || other.Size != 64 || len(other.Members) != 0 {
		t.Errorf("pointed-to struct %s of %d bytes with %d members, want other, 64 bytes, hollow", other.Name, other.Size, len(other.Members))
	}
	if self := root.Members[2].Type.(*btf.Pointer).Target.(*btf.Const).Type; self != root {
		t.Errorf("a root reached through a pointer is %v, want the root itself", self)
	}
	if arr := root.Members[3].Type.(*btf.Array); arr.Nelems != 2 || btf.UnderlyingType(arr.Type).(*btf.Int).Size != 8 {
		t.Errorf("array %v", arr)
	}
	if m := root.Members[4].Type.(*btf.Enum); !m.Signed || m.Values[0].Value != ^uint64(0) || m.Values[1].Value != 7 {
		t.Errorf("signed enum %v", m.Values)
	}
	if un := root.Members[6].Type.(*btf.Union); len(un.Members) != 2 || un.Members[1].Name != "l" {
		t.Errorf("union %v", un.Members)
	}
	var big *btf.Enum
	if err := spec.TypeByName("big", &big); err != nil || big.Values[0].Value != 1<<40 {
		t.Errorf("64-bit enum %v, %v", big, err)
	}
	var rootT *btf.Typedef
	if err := spec.TypeByName("root_t", &rootT); err != nil || rootT.Type.(*btf.Struct).Name != "root" {
		t.Errorf("typedef root_t: %v, %v", rootT, err)
	}
}

// TestKernelTypesBadBlob: a blob that is not whole BTF is an error, never
// a panic, whatever byte it ends at.
func TestKernelTypesBadBlob(t *testing.T) {
	raw := syntheticBTF(t)
	names := map[string]bool{"root": true}
	for n := range len(raw) {
		if _, err := parseKernelTypes(raw[:n], names); err == nil {
			t.Fatalf("the first %d of %d bytes: no error", n, len(raw))
		}
	}
	swapped := append([]byte(nil), raw...)
	binary.BigEndian.PutUint16(swapped, binary.NativeEndian.Uint16(raw))
	for _, c := range []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "shorter than its header"},
		{"other byte order", swapped, "byte order"},
		{"unknown kind", withKind(raw, 1, 31), "unknown kind 31"},
		{"member type out of range", withMemberType(t, raw, 0xffffff), "out of range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, err := parseKernelTypes(c.blob, names)
			if err == nil {
				_, err = k.coreSpec([]string{"root"})
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// withKind is raw with the kind of type id set to kind.
func withKind(raw []byte, id int, kind uint32) []byte {
	out := append([]byte(nil), raw...)
	k, _ := parseKernelTypes(raw, nil)
	at := 24 + int(binary.NativeEndian.Uint32(raw[8:])) + int(k.offsets[id]) + 4
	info := binary.NativeEndian.Uint32(out[at:])
	binary.NativeEndian.PutUint32(out[at:], info&^(0x1f<<24)|kind<<24)
	return out
}

// withMemberType is raw with the type of root's first member set to id.
func withMemberType(t *testing.T, raw []byte, id uint32) []byte {
	out := append([]byte(nil), raw...)
	k, err := parseKernelTypes(raw, map[string]bool{"root": true})
	if err != nil || len(k.named["root"]) != 1 {
		t.Fatalf("root not found: %v", err)
	}
	at := 24 + int(binary.NativeEndian.Uint32(raw[8:])) + int(k.offsets[k.named["root"][0]]) + 12 + 4
	binary.NativeEndian.PutUint32(out[at:], id)
	return out
}
