"""Reports and live figures: every figure defined once (definitions.py), the report
queries and their formats, the live day, alerts, metrics and the commands that show
them. docs/reports.md explains each figure."""
