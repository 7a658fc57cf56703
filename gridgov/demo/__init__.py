"""Demo data (演示数据): a realistic synthetic area, from one village to the whole of Nanhai.

``gridgov demo --scale village|town|county|nanhai`` draws the grid tree with nested boundaries,
households and persons with valid citizen IDs, party organizations and members, self-governance
bodies with their members, and grid posts; writes one CSV per import kind (the columns of
``gridgov.dataio.schemas``) and loads them through the importer, so the demo exercises the same
path as a cadre's spreadsheet. Output is deterministic: the same seed and reference date give
byte-identical files.
"""
