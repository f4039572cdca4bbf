-- A call whose queue's maximum wait ended it without overflow, voicemail or
-- callback (exit "none") is neither answered nor abandoned by the caller:
-- record it as 'timeout' so abandonment figures stay honest.
ALTER TABLE call_records DROP CONSTRAINT call_records_outcome_check;
ALTER TABLE call_records ADD CONSTRAINT call_records_outcome_check
    CHECK (outcome IN ('answered', 'abandoned', 'overflow', 'voicemail', 'callback',
                       'transferred', 'lost', 'timeout'));
