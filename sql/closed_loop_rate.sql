-- Attributed to the day seven days after receipt; numerator when decided and the
-- complainant informed within 7 days of receipt.
SELECT
    received_day + INTERVAL '7' DAY AS day, market, category_l1, seller_tier, channel, issue_type,
    CASE
        WHEN decided_at <= received_at + INTERVAL '7' DAY
            AND complainant_informed_at <= received_at + INTERVAL '7' DAY
        THEN 1 ELSE 0
    END AS numerator,
    1 AS denominator
FROM complaint_facts
