"""Schemas of the important-matters API (重要事项决策), by part: ``refs`` (references, the
important-matters list, opinion coverage), ``meetings`` (meetings with their frozen roll and
tally, supervision reviews) and ``matters`` (matters and their stages, notices, the opinions
asked of the households).

Persons show by name only (the roll of a small body); never a citizen ID or a phone. Users who
recorded, requested, confirmed or reviewed show by their display name."""
