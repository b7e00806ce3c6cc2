package footprint

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// Row is the share of one dependency in a binary.
type Row struct {
	// Name is a module path, one of the main module's packages, or a
	// standard library package tree ("net/http", "crypto", "runtime").
	Name string
	// Code is the size of its functions (nm types T and t).
	Code int64
	// Data is the size of its initialised and read-only data (nm types
	// D, d, R and r), not counting large zeroed buffers.
	Data int64
}

// Total is Code + Data.
func (r Row) Total() int64 { return r.Code + r.Data }

// Report is the footprint of one binary.
type Report struct {
	// Size is the file size in bytes.
	Size int64
	// Sections maps ELF section groups (text, rodata, pclntab, dwarf,
	// data, other) to their size in the file.
	Sections map[string]int64
	// Rows are the dependencies, largest first.
	Rows []Row
	// ReflectMethod lists the functions that call a reflect method by a
	// name the linker cannot see (reflect.Value.MethodByName with a
	// variable name, Type.Method(i)); one of them keeps every exported
	// method of every type that can reach an interface. Empty unless the
	// report was made by Build.
	ReflectMethod []string
}

// bigZeroed is the size past which a data symbol is taken for a buffer
// the runtime or crypto allocate zeroed (crypto's 32 MB DRBG memory): they
// cost no file bytes.
const bigZeroed = 1 << 20

// Analyze reports the footprint of the binary at path. The main module's
// path names the rows of its own packages; the rest are grouped by module
// as the binary's build information lists them.
func Analyze(path string) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	r := &Report{Size: fi.Size(), Sections: map[string]int64{}}
	if err := r.readSections(path); err != nil {
		return nil, err
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("footprint: %w", err)
	}
	mods := []string{}
	for _, d := range bi.Deps {
		mods = append(mods, d.Path)
	}
	out, err := exec.Command("go", "tool", "nm", "-size", path).Output() //nolint:gosec // G204: the go tool on a binary the caller names
	if err != nil {
		return nil, fmt.Errorf("footprint: go tool nm: %w", err)
	}
	rows := map[string]*Row{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size == 0 {
			continue
		}
		name := owner(strings.Join(f[3:], " "), bi.Main.Path, mods)
		row := rows[name]
		if row == nil {
			row = &Row{Name: name}
			rows[name] = row
		}
		switch f[2] {
		case "T", "t":
			row.Code += size
		case "D", "d", "R", "r":
			if size < bigZeroed {
				row.Data += size
			}
		}
	}
	for _, row := range rows {
		if row.Total() > 0 {
			r.Rows = append(r.Rows, *row)
		}
	}
	slices.SortFunc(r.Rows, func(a, b Row) int {
		if a.Total() != b.Total() {
			return int(b.Total() - a.Total())
		}
		return strings.Compare(a.Name, b.Name)
	})
	return r, nil
}

func (r *Report) readSections(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("footprint: %w", err)
	}
	defer func() { _ = f.Close() }()
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS {
			continue
		}
		size := int64(s.FileSize) //nolint:gosec // G115: a section of a binary on disk is far below 2^63 bytes
		switch {
		case s.Name == ".text":
			r.Sections["text"] += size
		case s.Name == ".rodata" || s.Name == ".typelink" || s.Name == ".itablink":
			r.Sections["rodata"] += size
		case s.Name == ".gopclntab":
			r.Sections["pclntab"] += size
		case strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_"):
			r.Sections["dwarf"] += size
		case s.Name == ".data" || s.Name == ".noptrdata":
			r.Sections["data"] += size
		default:
			r.Sections["other"] += size
		}
	}
	return nil
}

// owner names the row a symbol belongs to.
func owner(sym, main string, mods []string) string {
	switch {
	case strings.HasPrefix(sym, "go:func."):
		return "(func metadata)"
	case strings.HasPrefix(sym, "runtime.") && !strings.HasPrefix(sym, "runtime.text"):
		return "runtime"
	}
	pkg := packageOf(sym)
	if pkg == main || strings.HasPrefix(pkg, main+"/") {
		return pkg
	}
	best := ""
	for _, m := range mods {
		if (pkg == m || strings.HasPrefix(pkg, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best != "" {
		return best
	}
	if strings.HasPrefix(pkg, "vendor/") {
		return "std: vendor/golang.org/x"
	}
	first, rest, _ := strings.Cut(pkg, "/")
	if first == "net" && strings.HasPrefix(rest, "http") {
		return "std: net/http"
	}
	if strings.Contains(first, ".") {
		return pkg // a module the build information does not list
	}
	return "std: " + first
}

// packageOf returns the import path of the package that defines sym: the
// part up to the first dot after the last slash, once the symbol kind
// prefixes and any generic type arguments are stripped.
func packageOf(sym string) string {
	for _, p := range []string{"type:.eq.", "type:.hash.", "type:.importpath.", "type:.namedata.", "type:*", "type:", "go:itab.*", "go:itab.", "go:string."} {
		if s, ok := strings.CutPrefix(sym, p); ok {
			sym = s
			break
		}
	}
	if i := strings.IndexAny(sym, "[("); i >= 0 {
		sym = sym[:i]
	}
	slash := strings.LastIndex(sym, "/")
	if i := strings.Index(sym[slash+1:], "."); i >= 0 {
		return sym[:slash+1+i]
	}
	return sym
}

// Build builds the package pkg (a path go build accepts, run in dir) with
// default flags into the file out and reports its footprint, with the
// functions the linker marked as calling reflect methods by name.
func Build(dir, pkg, out string) (*Report, error) {
	cmd := exec.Command("go", "build", "-o", out, "-ldflags=-dumpdep", pkg) //nolint:gosec // G204: the go tool on the caller's package
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("footprint: go build %s: %w\n%s", pkg, err, tail(stderr.String()))
	}
	// -dumpdep only prints to stderr; it changes nothing in the binary,
	// which is byte for byte what a plain go build writes.
	r, err := Analyze(out)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for line := range strings.Lines(stderr.String()) {
		from, _, ok := strings.Cut(line, " -> ")
		if name, marked := strings.CutSuffix(from, " <ReflectMethod>"); ok && marked && !seen[name] {
			seen[name] = true
			r.ReflectMethod = append(r.ReflectMethod, name)
		}
	}
	slices.Sort(r.ReflectMethod)
	return r, nil
}

func tail(s string) string {
	const keep = 4000
	if len(s) > keep {
		return "…" + s[len(s)-keep:]
	}
	return s
}

// MB formats n bytes in megabytes (10^6 bytes) with one decimal.
func MB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// Table formats the report's first n rows (all when n <= 0) as a Markdown
// table, with the section sizes and the reflect method callers above it.
func (r *Report) Table(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "file %s: text %s, rodata %s, pclntab %s, DWARF %s, data %s\n\n",
		MB(r.Size), MB(r.Sections["text"]), MB(r.Sections["rodata"]), MB(r.Sections["pclntab"]), MB(r.Sections["dwarf"]), MB(r.Sections["data"]))
	if len(r.ReflectMethod) > 0 {
		fmt.Fprintf(&b, "calls reflect methods by name (keeps all exported methods): %s\n\n", strings.Join(r.ReflectMethod, ", "))
	}
	b.WriteString("| dependency | code KB | data KB |\n|---|---:|---:|\n")
	var restCode, restData int64
	for i, row := range r.Rows {
		if n > 0 && i >= n {
			restCode += row.Code
			restData += row.Data
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %d |\n", row.Name, row.Code/1000, row.Data/1000)
	}
	if restCode+restData > 0 {
		fmt.Fprintf(&b, "| (%d more) | %d | %d |\n", len(r.Rows)-n, restCode/1000, restData/1000)
	}
	return b.String()
}
