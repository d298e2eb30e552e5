-- New listings in regulated categories; numerator when the certificates are missing
-- (a NULL has_required_certs in a regulated category counts as missing).
SELECT
    created_day AS day, market, category_l1, seller_tier,
    CASE WHEN has_required_certs THEN 0 ELSE 1 END AS numerator,
    1 AS denominator
FROM listing_facts
WHERE is_regulated_category
