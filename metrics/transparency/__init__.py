"""Regulators' figures from the exports: the DSA transparency report (Art. 15 and 24).

`dsa_categories` holds the statement-of-reasons categories, `category_mapping` maps removal
reasons and issue types onto them, `dsa_indicators` defines every row as data,
`dsa_report` computes the rows in DuckDB, and `report_csv` / `report_html` render them.
"""
