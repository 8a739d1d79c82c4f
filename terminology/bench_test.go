package terminology

import (
	"fmt"
	"strings"
	"testing"
)

// lintCorpus repeats the policy paragraph (which has 7 findings) up to n bytes.
func lintCorpus(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(policy)
		b.WriteString("\n\n")
	}
	return b.String()[:n]
}

func BenchmarkLint(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		text := lintCorpus(size)
		b.Run(fmt.Sprintf("policy/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				Lint(text)
			}
		})
	}
	clean := strings.Repeat("We remove child sexual abuse material and report it to NCMEC. ", 1<<20/62)
	b.Run("clean/1MiB", func(b *testing.B) {
		b.SetBytes(int64(len(clean)))
		b.ReportAllocs()
		for b.Loop() {
			Lint(clean)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	for _, in := range []string{"csam", "Child Pornography", "Online Enticement of Children for Sexual Acts"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Normalize(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseCategory(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCategory(SchemeNCMECIncident, ncmecEnticement); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMap(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Map("csam.ai_generated", SchemeNCMECFileAnnotation)
		}
	})
	b.Run("parent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Map("csam.trading", SchemeIndustry)
		}
	})
}

func BenchmarkCrosswalk(b *testing.B) {
	a1, _ := ParseCategory(SchemeIndustry, "A1")
	b.ReportAllocs()
	for b.Loop() {
		Crosswalk(a1, SchemeUK)
	}
}
