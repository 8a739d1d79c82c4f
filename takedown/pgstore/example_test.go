package pgstore_test

import (
	"context"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mnr-sdk/mnr/takedown"
	"github.com/mnr-sdk/mnr/takedown/pgstore"
)

// Each replica opens the store on the shared database and runs an engine with its own
// worker ID; they share the deadlines without firing any twice. (Not run: it needs a
// database.)
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	s, err := pgstore.New(ctx, pool, nil) // migrates under an advisory lock
	if err != nil {
		panic(err)
	}
	host, _ := os.Hostname()
	e, err := takedown.NewEngine(s, takedown.DefaultPolicy(), &takedown.Options{WorkerID: host})
	if err != nil {
		panic(err)
	}
	go e.Run(ctx)
}
