"""HCSP Engage: the Herefordshire Community Safety Partnership's community-engagement app.

Pages live in ``views/`` and stay thin; everything with logic lives here and runs without Streamlit
(except ``ui``, ``auth`` and the caching wrappers in ``cached``).
"""

__version__ = "0.1.0"
