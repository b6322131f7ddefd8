"""HCSP Engage: the Herefordshire Community Safety Partnership's community-engagement app.

Pages live in ``views/`` and stay thin. The folder says the role: the rules at the top (schema, records,
privacy, security...), ``reference/`` (data files and their loader), ``storage/``, ``analysis/``,
``render/`` (maps, charts, the Board report) run without Streamlit; ``web/`` holds the only modules that
import it (tests/test_layout.py fails otherwise).
"""

__version__ = "0.1.0"
