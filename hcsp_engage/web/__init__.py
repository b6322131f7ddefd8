"""The only modules that import Streamlit: shared widgets, the resident forms and the map picker,
staff sign-in, and the cached loaders (tests/test_layout.py holds the line)."""
