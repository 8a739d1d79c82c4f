package terminology_test

import (
	"errors"
	"fmt"

	"github.com/mnr-sdk/mnr/terminology"
)

func ExampleLookup() {
	t, err := terminology.Lookup("csam.ai_generated")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Label)
	parent, _ := terminology.Parent(t.Code)
	fmt.Println("parent:", parent)
	for _, s := range t.Synonyms {
		if s.Kind == terminology.SynonymDeprecated {
			fmt.Printf("avoid %q: say %q\n", s.Text, s.Replacement)
		}
	}

	_, err = terminology.Lookup("child pornography")
	fmt.Println(errors.Is(err, terminology.ErrUnknownCode))
	// Output:
	// AI-generated child sexual abuse material
	// parent: csam
	// avoid "virtual child pornography": say "AI-generated child sexual abuse material"
	// true
}

func ExampleNormalize() {
	for _, s := range []string{"Child Pornography", "FMSE", "Online Enticement of Children for Sexual Acts"} {
		code, err := terminology.Normalize(s)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s -> %s\n", s, code)
	}
	// Output:
	// Child Pornography -> csam
	// FMSE -> sextortion.financial
	// Online Enticement of Children for Sexual Acts -> grooming
}

func ExampleCrosswalk() {
	a1, err := terminology.ParseCategory(terminology.SchemeIndustry, "A1")
	if err != nil {
		panic(err)
	}
	for _, m := range terminology.Crosswalk(a1, terminology.SchemeUK) {
		fmt.Println(m.To.Key(), m.Fidelity)
	}
	// Legality (ICCAM) carries no severity: there is no UK category for it.
	nat, _ := terminology.ParseCategory(terminology.SchemeICCAM, "nationally illegal")
	m := terminology.Crosswalk(nat, terminology.SchemeUK)[0]
	fmt.Println(m.Fidelity, "-", m.Note)
	// Output:
	// uk:A lossy
	// uk:B lossy
	// none - a legality finding carries no severity; grade the material itself
}

func ExampleMap() {
	for _, m := range terminology.Map("sextortion.financial", terminology.SchemeNCMECIncident) {
		fmt.Println(m.To.Wire, "|", m.Fidelity)
	}
	for _, m := range terminology.Map("csam.ai_generated", terminology.SchemeNCMECFileAnnotation) {
		fmt.Println(m.To.Wire, "|", m.Fidelity)
	}
	for _, m := range terminology.Map("ctx.infant", terminology.SchemeNCMECFileAnnotation) {
		fmt.Println(m.To.Wire, "|", m.Fidelity)
	}
	for _, m := range terminology.Map("grooming", terminology.SchemeDSAKeyword) {
		fmt.Println(m.To.Wire, "|", m.Fidelity)
	}
	// Output:
	// Online Enticement of Children for Sexual Acts | broader
	// generativeAi | exact
	// infant | exact
	// KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS | exact
}

func ExampleLint() {
	text := `We remove child porn at once. Material that is "child pornography"
as defined in 18 U.S.C. 2256 is reported, and so is apparent child pornography.`
	for _, f := range terminology.Lint(text) {
		fmt.Printf("%d-%d %q: say %q\n", f.Start, f.End, f.Found, f.Preferred)
	}
	// Output:
	// 10-20 "child porn": say "child sexual abuse material"
}

func ExampleParseCategory() {
	c, err := terminology.ParseCategory(terminology.SchemeNCMECIncident, "Child Prostitution")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Legacy, "->", c.ReplacedBy)
	_, err = terminology.ParseCategory(terminology.SchemeNCMECIncident, "child prostitution")
	fmt.Println(errors.Is(err, terminology.ErrUnknownCategory))
	// Output:
	// true -> Child Sex Trafficking
	// true
}

func ExampleFindCategory() {
	c, _ := terminology.FindCategory("B2")
	fmt.Println(c.Key(), "=", c.Label)
	_, err := terminology.FindCategory("baseline")
	fmt.Println(errors.Is(err, terminology.ErrAmbiguous))
	// Output:
	// industry:B2 = Pubescent Minor, Lascivious Exhibition
	// true
}

func ExampleCategory_Terms() {
	c, _ := terminology.ParseCategoryKey("ncmec.file:generativeAi")
	fmt.Println(c.Terms())
	// Output:
	// [csam.ai_generated]
}
