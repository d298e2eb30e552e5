-- Removed or blocked on the day; numerator when our own model or reviewers found it first.
SELECT
    removed_day AS day, market, category_l1, seller_tier,
    CASE WHEN detection_channel IN ('proactive_model', 'proactive_review') THEN 1 ELSE 0 END
        AS numerator,
    1 AS denominator
FROM listing_facts
WHERE removed_day IS NOT NULL
