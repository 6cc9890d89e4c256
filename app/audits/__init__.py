"""Audits: external security audits of scanners, their scope, progress and findings."""

# The scanners' audit status is maintained on write: registering that (status.py) must not depend on which
# of this package's modules a process happens to import first.
from app.audits import status as status
