"""visits pages of the links app."""
