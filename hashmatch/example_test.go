package hashmatch_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"strings"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// A CSV list as platforms receive it: a header naming the columns, scheme
// labels or term codes as categories.
const exampleCSV = `id,hash,kind,categories
a-1,f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,pdq,A1
a-2,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,sha256,csam;B2
a-3,d41d8cd98f00b204e9800998ecf8427e,md5,csam
`

func ExampleReadList() {
	l, err := hashmatch.ReadList(strings.NewReader(exampleCSV), &hashmatch.ReadOptions{
		Info: hashmatch.ListInfo{Name: "partner-list", Version: "2026-11"},
	})
	if err != nil {
		panic(err)
	}
	st := hashmatch.Inspect(l) // counts only, never hashes
	fmt.Println(st.Name, st.Format, st.Entries, "entries")
	for _, k := range st.Kinds {
		fmt.Println(k.Kind, k.Entries)
	}
	for _, c := range st.Categories {
		fmt.Println(c.Code, c.Entries)
	}
	// Output:
	// partner-list csv 3 entries
	// pdq 1
	// md5 1
	// sha256 1
	// csam 2
	// industry:A1 1
	// industry:B2 1
}

func ExampleMatcher_Match() {
	l, _ := hashmatch.ReadList(strings.NewReader(exampleCSV), &hashmatch.ReadOptions{
		Info: hashmatch.ListInfo{Name: "partner-list"},
	})
	m := hashmatch.NewMatcher(nil)
	if err := m.Replace(l); err != nil {
		panic(err)
	}
	// The listed PDQ hash with its last hex digit changed (2 bits differ).
	near, _ := hashmatch.ParseHash(hashmatch.KindPDQ, "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b21")
	res, err := m.Match(hashmatch.Query{Hashes: []hashmatch.Hash{near}, PDQQuality: 90})
	if err != nil {
		panic(err)
	}
	for _, mt := range res.Matches {
		fmt.Println(mt.List, mt.Entry, mt.Kind, mt.Distance, mt.Codes)
	}
	// Output:
	// partner-list a-1 pdq 2 [industry:A1]
}

func ExampleWriteList() {
	l, _ := hashmatch.ReadList(strings.NewReader(exampleCSV), &hashmatch.ReadOptions{
		Info: hashmatch.ListInfo{Name: "partner-list", Source: "example"},
	})
	// A fixed seed keeps the example's output stable; use
	// ed25519.GenerateKey with crypto/rand in real code.
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)

	var file bytes.Buffer
	if err := hashmatch.WriteList(&file, l, nil); err != nil {
		panic(err)
	}
	sig, err := hashmatch.Sign(bytes.NewReader(file.Bytes()), key)
	if err != nil {
		panic(err)
	}
	got, err := hashmatch.ReadList(bytes.NewReader(file.Bytes()), &hashmatch.ReadOptions{
		TrustedKeys: []ed25519.PublicKey{pub},
		Signature:   sig,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Name(), got.Source(), got.Format(), got.Len(), got.Signer() == hashmatch.KeyID(pub))

	// One changed byte, and the list is refused.
	tampered := bytes.Clone(file.Bytes())
	tampered[len(tampered)-1] ^= 1
	_, err = hashmatch.ReadList(bytes.NewReader(tampered), &hashmatch.ReadOptions{
		TrustedKeys: []ed25519.PublicKey{pub},
		Signature:   sig,
	})
	fmt.Println(err != nil)
	// Output:
	// partner-list example mnr 3 true
	// true
}

func ExampleNewScreen() {
	l, _ := hashmatch.ReadList(strings.NewReader(exampleCSV), &hashmatch.ReadOptions{
		Info: hashmatch.ListInfo{Name: "partner-list"},
	})
	s, err := hashmatch.NewScreen([]*hashmatch.List{l}, nil)
	if err != nil {
		panic(err)
	}
	listed, _ := hashmatch.ParseHash(hashmatch.KindMD5, "d41d8cd98f00b204e9800998ecf8427e")
	other, _ := hashmatch.ParseHash(hashmatch.KindMD5, "0cc175b9c0f1b6a831c399e269772661")
	fmt.Println(s.Len(), s.MayContain(listed), s.MayContain(other))

	// Serialised for an edge service that must not hold the list.
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		panic(err)
	}
	edge, err := hashmatch.ReadScreen(&buf, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(edge.MayContain(listed), edge.MayContain(other))
	// Output:
	// 2 true false
	// true false
}
