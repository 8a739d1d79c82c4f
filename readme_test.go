package mnr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's package tour shows code snippets. Each one opens with a line
//
//	// From ExampleName in path/to/file_test.go
//
// and must equal the body of that Example function, which `go test` compiles
// and runs with its output checked. This test keeps the two from drifting.
var snippetRE = regexp.MustCompile("(?s)```go\n// From (Example\\w*) in (\\S+_test\\.go)\n(.*?)```")

func TestREADMESnippetsAreExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	matches := snippetRE.FindAllStringSubmatch(string(readme), -1)
	if len(matches) < 5 {
		t.Fatalf("README has %d tour snippets tied to Examples, want at least 5", len(matches))
	}
	for _, m := range matches {
		name, file, snippet := m[1], m[2], m[3]
		t.Run(name, func(t *testing.T) {
			body, err := exampleBody(file, name)
			if err != nil {
				t.Fatal(err)
			}
			if normalize(body) != normalize(snippet) {
				t.Errorf("README snippet for %s differs from %s:\n--- README\n%s\n--- %s\n%s", name, file, snippet, file, body)
			}
		})
	}
}

// exampleBody returns the statements of the named function in file, without
// the braces and the trailing "// Output:" comment block.
func exampleBody(file, name string) (string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != name || fn.Body == nil {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		if i := strings.Index(body, "// Output:"); i >= 0 {
			body = body[:i]
		}
		return body, nil
	}
	return "", os.ErrNotExist
}

// normalize drops indentation and blank lines so that the README can show the
// body unindented.
func normalize(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
