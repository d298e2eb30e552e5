-- Removed or blocked on the day; numerator when the listing never went live.
SELECT
    removed_day AS day, market, category_l1, seller_tier,
    CASE WHEN published_at IS NULL THEN 1 ELSE 0 END AS numerator,
    1 AS denominator
FROM listing_facts
WHERE removed_day IS NOT NULL
