"""The population registry: households (户), persons (人), sensitive data kept apart, moves."""
