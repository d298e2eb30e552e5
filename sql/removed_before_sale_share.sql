-- Removals on the day; numerator when nothing was sold before the removal.
SELECT
    removed_day AS day, market, category_l1, seller_tier,
    CASE WHEN first_sale_at IS NULL OR first_sale_at > removed_at THEN 1 ELSE 0 END
        AS numerator,
    1 AS denominator
FROM listing_facts
WHERE removed_day IS NOT NULL
