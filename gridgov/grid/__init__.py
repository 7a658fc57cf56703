"""The grid (网格): county → town → village → group → micro-grid, with codes and boundaries."""
