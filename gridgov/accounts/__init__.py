"""Users, roles held at grid nodes (assignments), the role → action table, API tokens."""
