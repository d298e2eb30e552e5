-- One row per complaint decided on the day; the engine takes the slice's median and p90.
SELECT
    decided_day AS day, market, category_l1, seller_tier, channel, issue_type,
    decision_hours AS hours
FROM complaint_facts
WHERE decided_day IS NOT NULL
