"""``gridgov backup`` and ``gridgov restore``: one archive that moves a whole installation.

The archive is a tar file that any engine can read back (docs/security.md, "Backups"):

- ``data/NNNN-<app>.<model>.jsonl.gz``: one member per table, one JSON array per row, in
  the columns the manifest lists, tables in the order their foreign keys depend on;
- ``media/<path>``: every uploaded file a row of the database points to;
- ``manifest.json``: gridgov's version, the migrations applied, each table's row count, the
  audit chain's head, the data key's check value (never the key) and the SHA-256 of every
  other member.

The rows are read in one snapshot of the database (``dump``), so a backup taken while the
server writes is a state the database was in. Encrypted columns travel as the ciphertext they
are. ``load`` refuses a damaged archive, another data key or a target with data before it
writes anything, then loads every row in one transaction and keeps it only if the audit chain
verifies.
"""

from .dump import BackupError, backup_write
from .load import restore_read

__all__ = ["BackupError", "backup_write", "restore_read"]
