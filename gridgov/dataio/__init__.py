"""Import and export of the registry: templates, row validation, all-or-nothing loads."""
