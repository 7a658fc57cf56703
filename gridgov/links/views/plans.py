"""plans pages of the links app."""
