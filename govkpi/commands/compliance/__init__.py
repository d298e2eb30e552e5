"""Commands that answer compliance and risk questions from the exports: `govkpi report dsa`,
`govkpi sla at-risk`, `govkpi risk`."""
