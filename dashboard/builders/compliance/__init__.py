"""What the Compliance and Risk matrix pages build from their data: views, tables, figures."""
