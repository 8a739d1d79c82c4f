-- The report outbox. One row per submission (a report on its way to one agency).
-- doc is the JSON of the reporting.Submission, kept byte for byte; the other
-- columns are derived from it for queries.
CREATE TABLE reporting_submissions (
    id         text COLLATE "C" PRIMARY KEY,  -- agency/reportID; byte order for paging
    agency     text COLLATE "C" NOT NULL,
    state      text NOT NULL,
    due_at     timestamptz,                   -- reporting.DueAt; NULL when never claimable
    version    bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    doc        bytea NOT NULL
);

CREATE INDEX reporting_submissions_due ON reporting_submissions (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX reporting_submissions_state ON reporting_submissions (state, id);
CREATE INDEX reporting_submissions_agency ON reporting_submissions (agency, id);
