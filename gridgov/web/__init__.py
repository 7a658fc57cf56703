"""The web UI: thin views over services and scoped selectors."""
