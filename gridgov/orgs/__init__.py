"""Party organizations and self-governance bodies on the grid, memberships, grid posts."""
