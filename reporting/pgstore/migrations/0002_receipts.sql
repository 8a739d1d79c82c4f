-- Receipts move out of doc into an append-only table, so a save writes only the
-- receipts that are new instead of rewriting every receipt of the submission.
-- receipts counts the rows a submission has here; receipt number seq (from 0)
-- holds the JSON of one reporting.Receipt.
--
-- The receipts already inside doc are moved here by the Go code that applies this
-- migration (pgstore.migrate), in the same transaction.
CREATE TABLE reporting_receipts (
    submission_id text COLLATE "C" NOT NULL REFERENCES reporting_submissions (id),
    seq           integer NOT NULL CHECK (seq >= 0),
    doc           bytea NOT NULL,
    PRIMARY KEY (submission_id, seq)
);

ALTER TABLE reporting_submissions ADD COLUMN receipts integer NOT NULL DEFAULT 0;
