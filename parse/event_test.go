package parse

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestFieldsMatchEvent: each field of the table points at a field of
// Event of the Go type its Type calls for, its known flag at a bool, and
// every field of Event is in the table, as a value or as a flag.
func TestFieldsMatchEvent(t *testing.T) {
	goType := map[Type]reflect.Type{
		Enum: reflect.TypeFor[Kind](), String: reflect.TypeFor[string](), Number: reflect.TypeFor[string](),
		Integer: reflect.TypeFor[int64](), Boolean: reflect.TypeFor[bool](), Strings: reflect.TypeFor[[]string](),
	}
	byOffset := map[uintptr]reflect.StructField{}
	ev := reflect.TypeFor[Event]()
	for i := range ev.NumField() {
		byOffset[ev.Field(i).Offset] = ev.Field(i)
	}
	covered := map[string]bool{}
	for _, f := range Fields {
		sf, ok := byOffset[f.at]
		if !ok || sf.Type != goType[f.Type] {
			t.Errorf("%s: points at %s (%v), want a %v", f.Name, sf.Name, sf.Type, goType[f.Type])
		}
		covered[sf.Name] = true
		if f.known != noFlag {
			flag, ok := byOffset[f.known]
			if !ok || flag.Type.Kind() != reflect.Bool {
				t.Errorf("%s: its known flag is %s (%v), want a bool", f.Name, flag.Name, flag.Type)
			}
			covered[flag.Name] = true
		}
		if f.Always&^f.Kinds != 0 || f.Identifies&^f.Kinds != 0 {
			t.Errorf("%s: required or identifying for kinds that do not have it", f.Name)
		}
	}
	for i := range ev.NumField() {
		if name := ev.Field(i).Name; !covered[name] {
			t.Errorf("Event.%s is not in Fields", name)
		}
	}
}

// orderedKeys returns the keys of the JSON object at path in doc, in order.
func orderedKeys(t *testing.T, doc []byte, path ...string) []string {
	t.Helper()
	var m map[string]json.RawMessage
	for _, p := range path {
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		doc = m[p]
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		default:
			if s, ok := tok.(string); ok && depth == 1 && dec.More() {
				keys = append(keys, s)
				var skip json.RawMessage
				dec.Decode(&skip)
			}
		}
	}
}

// TestSchemaMatchesFields: event.schema.json declares the table's fields,
// in its order, with its types, nullability, bounds, and the fields each
// kind requires.
func TestSchemaMatchesFields(t *testing.T) {
	type rule struct {
		If struct {
			Properties struct {
				Kind struct {
					Const string `json:"const"`
				} `json:"kind"`
			} `json:"properties"`
		} `json:"if"`
		Then struct {
			Required []string `json:"required"`
			AnyOf    []struct {
				Required []string `json:"required"`
			} `json:"anyOf"`
		} `json:"then"`
	}
	var schema struct {
		Required   []string `json:"required"`
		Properties map[string]struct {
			Type    any      `json:"type"`
			Enum    []string `json:"enum"`
			Minimum *int64   `json:"minimum"`
			Items   struct {
				Type string `json:"type"`
			} `json:"items"`
		} `json:"properties"`
		AllOf []rule `json:"allOf"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	var names, always []string
	for _, f := range Fields {
		names = append(names, f.Name)
		if f.Always == AllKinds {
			always = append(always, f.Name)
		}
		p := schema.Properties[f.Name]
		var types []string
		switch v := p.Type.(type) {
		case string:
			types = []string{v}
		case []any:
			for _, x := range v {
				types = append(types, x.(string))
			}
		}
		want := map[Type]string{String: "string", Number: "number", Integer: "integer", Boolean: "boolean", Strings: "array"}[f.Type]
		switch {
		case f.Type == Enum:
			if !slices.Equal(p.Enum, []string{"syscall", "signal", "exit"}) {
				t.Errorf("%s: enum %v, want the kinds", f.Name, p.Enum)
			}
		case len(types) == 0 || types[0] != want || slices.Contains(types, "null") != f.Nullable:
			t.Errorf("%s: schema type %v, want %s (nullable %v)", f.Name, types, want, f.Nullable)
		case f.Type == Strings && p.Items.Type != "string":
			t.Errorf("%s: items %q, want strings", f.Name, p.Items.Type)
		}
		if (p.Minimum != nil && *p.Minimum >= 0) != f.NonNegative {
			t.Errorf("%s: minimum %v, non-negative %v", f.Name, p.Minimum, f.NonNegative)
		}
	}
	if got := orderedKeys(t, Schema, "properties"); !slices.Equal(got, names) {
		t.Errorf("schema properties %v\nwant the table's %v", got, names)
	}
	if !slices.Equal(schema.Required, always) {
		t.Errorf("schema requires %v, the table %v", schema.Required, always)
	}
	for k := KindSyscall; k <= KindExit; k++ {
		var required, identifying []string
		for _, f := range Fields {
			if f.Always.Has(k) && f.Always != AllKinds {
				required = append(required, f.Name)
			}
			if f.Identifies.Has(k) {
				identifying = append(identifying, f.Name)
			}
		}
		i := slices.IndexFunc(schema.AllOf, func(r rule) bool { return r.If.Properties.Kind.Const == k.String() })
		if i < 0 {
			t.Errorf("no rule for kind %s in the schema", k)
			continue
		}
		then := schema.AllOf[i].Then
		if !slices.Equal(then.Required, required) {
			t.Errorf("kind %s: schema requires %v, the table %v", k, then.Required, required)
		}
		var anyOf []string
		for _, a := range then.AnyOf {
			anyOf = append(anyOf, a.Required...)
		}
		slices.Sort(anyOf)
		slices.Sort(identifying)
		if len(identifying) > 1 && !slices.Equal(anyOf, identifying) || len(identifying) == 1 && !slices.Contains(required, identifying[0]) {
			t.Errorf("kind %s: identified by %v; the schema requires %v and one of %v", k, identifying, required, anyOf)
		}
	}
}

// TestREADMEMatchesFields: the README's table of the event lists the
// table's fields in order, each with its type, "or null" when nullable and
// "omitted" when nothing requires it; its CSV column line is the table's.
func TestREADMEMatchesFields(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## The event (schema v1)\n")
	if !ok {
		t.Fatal(`the README has no "## The event (schema v1)" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	typeWord := map[Type]string{Enum: "string", String: "string", Number: "number", Integer: "int", Boolean: "bool", Strings: "array of strings"}
	var names []string
	for line := range strings.Lines(section) {
		cells := strings.Split(strings.TrimSpace(line), " | ")
		if len(cells) != 3 || !strings.HasPrefix(cells[0], "| `") {
			continue
		}
		fields := strings.Split(strings.TrimPrefix(cells[0], "| "), ", ")
		types := strings.Split(cells[1], " / ")
		for i, name := range fields {
			name = strings.Trim(name, "`")
			names = append(names, name)
			j := slices.IndexFunc(Fields, func(f Field) bool { return f.Name == name })
			if j < 0 {
				t.Errorf("README field %q is not in the table", name)
				continue
			}
			f, typ := Fields[j], types[min(i, len(types)-1)]
			optional := f.Always == 0 && !f.Nullable
			if !strings.HasPrefix(typ, typeWord[f.Type]) || strings.Contains(typ, " or null") != f.Nullable ||
				strings.Contains(cells[1], "omitted") != optional {
				t.Errorf("README: %s is %q; want %q, or null: %v, omitted: %v", name, cells[1], typeWord[f.Type], f.Nullable, optional)
			}
		}
	}
	var want, columns []string
	for _, f := range Fields {
		want = append(want, f.Name)
		if !f.OnRequest {
			columns = append(columns, f.Name)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("README fields %v\nwant the table's %v", names, want)
	}
	if !strings.Contains(section, "`"+strings.Join(columns, ",")+"`") {
		t.Errorf("the README does not list the CSV columns `%s`", strings.Join(columns, ","))
	}
}
