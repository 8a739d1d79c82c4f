package evidence

import "sync"

// keyLocks serialises changes to one item (by ref) while letting changes to
// different items proceed in parallel. Entries live only while in use.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu    sync.Mutex
	users int
}

func (k *keyLocks) lock(ref string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[string]*keyLock)
	}
	l := k.m[ref]
	if l == nil {
		l = new(keyLock)
		k.m[ref] = l
	}
	l.users++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, ref)
		}
		k.mu.Unlock()
	}
}
