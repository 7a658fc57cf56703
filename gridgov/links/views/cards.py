"""cards pages of the links app."""
